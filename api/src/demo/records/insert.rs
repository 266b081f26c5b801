//! Writing the demo world's records: one insert helper per table family, each through the seed
//! store, each returning what later tables link to.

use super::*;

/// Loads the case records of one demo town. `full` is the Qinghe world of demo.md; otherwise the smaller Liulin copy.
pub(in crate::demo) async fn load(
    txn: &impl ConnectionTrait,
    town_id: uuid::Uuid,
    full: bool,
) -> Result<(), super::DemoError> {
    let world = if full { &QINGHE } else { &LIULIN };
    let town = Town::find(txn, town_id, world.villages).await?;
    let persons = insert_persons(txn, &town, world).await?;
    let venues = insert_venues(txn, &town, world).await?;
    let leads = insert_leads(txn, &town, world, &persons, &venues).await?;
    let risks = insert_risks(txn, &town, world).await?;
    let targets = Targets { persons, venues, leads, risks };
    insert_tasks(txn, &town, world, &targets).await
}

/// A person or venue id, and when its next talk or inspection falls due.
type Listed = Vec<(Uuid, DateTime<Utc>)>;

async fn insert_persons(txn: &impl ConnectionTrait, town: &Town, w: &World) -> Result<Listed, DemoError> {
    let (police, officer) = town.actor(U::Police)?;
    let mut out = Vec::new();
    for (i, row) in w.persons.iter().enumerate() {
        let &(name, v, level, categories, (y, m, d), male, listed, earlier, talk, notes) = row;
        let birth = NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| anyhow!("bad demo birth date of {name}"))?;
        // The judicial office lists the persons under community correction.
        let corrected = w.tags.iter().any(|t| t.0 == i && t.1 == JudicialTag::CommunityCorrection);
        let creator = if corrected { town.unit(U::Sifa)? } else { police };
        let id = Uuid::now_v7();
        person::Model {
            id,
            town_id: town.id,
            village_id: town.villages[v].0,
            name: name.to_owned(),
            gender: if male { Gender::Male } else { Gender::Female },
            birth_date: birth,
            id_number: id_number(w.regions[i % w.regions.len()], birth, i as u32 + 1, male),
            phone: Some(format!("{}", w.phones + i as u64 * 7_919)),
            address: Some(format!("{}{}组{}号", town.names[v], i % 6 + 1, 10 + i * 7 % 90)),
            attention_level: level,
            level_since: town.date(earlier.map_or(listed, |e| e.0)),
            responsible_officer_id: Some(officer),
            listed_at: town.date(listed),
            status: RecordStatus::Active,
            notes: notes.map(str::to_owned),
            created_by_unit_id: creator,
            link_of_person_id: None,
            version: 1,
            created_at: town.ago(listed),
            updated_at: town.now,
        }
        .seed(txn)
        .await?;
        for category in categories {
            person_category::Model { person_id: id, category: *category }.seed(txn).await?;
        }
        let mut history = vec![(Lk::Initial, None, earlier.map_or(level, |e| e.1), listed, "列入重点人员台账")];
        if let Some((days, from, kind)) = earlier {
            let reason = if kind == Lk::AutoEscalation {
                "90日内两次警情，自动升级"
            } else {
                "近期有违法行为，提升关注等级"
            };
            history.push((kind, Some(from), level, days, reason));
        }
        level_history(txn, town, Subject::Person(id), &history).await?;
        let every = interval(level, false);
        if let Some(last) = talk {
            let kind = if level == Lv::Special { TalkKind::Admonition } else { TalkKind::Education };
            let mut talks = vec![(last, kind)];
            if last + every - 5 < listed {
                talks.push((last + every - 5, TalkKind::Education));
            }
            for (n, (days, kind)) in talks.into_iter().enumerate() {
                let admonition = kind == TalkKind::Admonition;
                person_talk::Model {
                    id: Uuid::now_v7(),
                    person_id: id,
                    talked_on: town.date(days),
                    officer_id: officer,
                    kind,
                    summary: TALK_SUMMARIES[if admonition { 2 } else { (i + n) % 2 }].to_owned(),
                    recorded_by_user_id: officer,
                    created_at: town.ago(days),
                }
                .seed(txn)
                .await?;
            }
        }
        out.push((id, end_of_day(town.date(talk.unwrap_or(listed)) + Duration::days(every))));
    }
    for &(p, tag, days) in w.tags {
        let (sifa, _) = town.actor(U::Sifa)?;
        let released = tag == JudicialTag::ReleasedPrisoner;
        person_judicial_tag::Model {
            id: Uuid::now_v7(),
            person_id: out[p].0,
            tag,
            release_date: released.then(|| town.date(days)),
            correction_end_date: (!released).then(|| town.date(days)),
            added_by_unit_id: sifa,
            created_at: town.ago(w.persons[p].6),
        }
        .seed(txn)
        .await?;
    }
    for &(p, days, kind, summary) in w.incidents {
        person_incident::Model {
            id: Uuid::now_v7(),
            person_id: out[p].0,
            occurred_on: town.date(days),
            kind: kind.to_owned(),
            summary: summary.to_owned(),
            recorded_by_user_id: officer,
            created_at: town.ago(days),
        }
        .seed(txn)
        .await?;
    }
    for &(p, days, unclear, employment_stable, mind_stable) in w.assessments {
        let item = |n: usize| match unclear {
            Some((u, note)) if u == n => (false, note.to_owned()),
            _ => (true, ASSESSMENT_NOTES[n].to_owned()),
        };
        let (thought, employment, family, social, whereabouts) = (item(0), item(1), item(2), item(3), item(4));
        person_assessment::Model {
            id: Uuid::now_v7(),
            person_id: out[p].0,
            assessed_on: town.date(days),
            thought_clear: thought.0,
            thought_note: thought.1,
            employment_clear: employment.0,
            employment_note: employment.1,
            family_clear: family.0,
            family_note: family.1,
            social_clear: social.0,
            social_note: social.1,
            whereabouts_clear: whereabouts.0,
            whereabouts_note: whereabouts.1,
            employment_stable,
            mind_stable,
            recorded_by_user_id: officer,
            created_at: town.ago(days),
        }
        .seed(txn)
        .await?;
    }
    for &(p, kind, days, note) in w.measures {
        person_measure::Model {
            id: Uuid::now_v7(),
            person_id: out[p].0,
            kind,
            taken_on: town.date(days),
            note: note.to_owned(),
            recorded_by_user_id: officer,
            created_at: town.ago(days),
        }
        .seed(txn)
        .await?;
    }
    for &(p, days, reason) in w.step_downs {
        let level = w.persons[p].2;
        let to = if level == Lv::Special { Lv::Key } else { Lv::General };
        level_history(txn, town, Subject::Person(out[p].0), &[(Lk::StepDown, Some(level), to, days, reason)]).await?;
    }
    Ok(out)
}

async fn insert_venues(txn: &impl ConnectionTrait, town: &Town, w: &World) -> Result<Listed, DemoError> {
    let (police, officer) = town.actor(U::Police)?;
    let mut out = Vec::new();
    for (i, row) in w.venues.iter().enumerate() {
        let &(name, venue_type, v, level, licence, manager, listed, earlier, inspected, notes) = row;
        let id = Uuid::now_v7();
        venue::Model {
            id,
            town_id: town.id,
            village_id: town.villages[v].0,
            name: name.to_owned(),
            venue_type,
            address: format!("{}主街{}号", town.names[v], 8 + i * 11),
            licence_number: licence.map(str::to_owned),
            manager_name: Some(manager.to_owned()),
            manager_phone: Some(format!("{}", w.phones + 500_000 + i as u64 * 6_121)),
            attention_level: level,
            level_since: town.date(earlier.map_or(listed, |e| e.0)),
            listed_at: town.date(listed),
            status: RecordStatus::Active,
            notes: notes.map(str::to_owned),
            created_by_unit_id: police,
            version: 1,
            created_at: town.ago(listed),
            updated_at: town.now,
        }
        .seed(txn)
        .await?;
        let mut history = vec![(Lk::Initial, None, earlier.map_or(level, |e| e.1), listed, "列入重点场所台账")];
        if let Some((days, from, kind)) = earlier {
            history.push((kind, Some(from), level, days, "受到行政处罚，升为特别关注"));
        }
        level_history(txn, town, Subject::Venue(id), &history).await?;
        let every = interval(level, true);
        for (n, days) in [inspected, inspected + every - 3].into_iter().enumerate().filter(|(_, d)| *d < listed) {
            venue_inspection::Model {
                id: Uuid::now_v7(),
                venue_id: id,
                inspected_on: town.date(days),
                inspector_id: officer,
                findings: INSPECTION_FINDINGS[(i + n) % 3].to_owned(),
                manager_talked: (i + n) % 2 == 0,
                recorded_by_user_id: officer,
                created_at: town.ago(days),
            }
            .seed(txn)
            .await?;
        }
        out.push((id, end_of_day(town.date(inspected) + Duration::days(every))));
    }
    for &(v, days, kind, summary) in w.venue_incidents {
        venue_incident::Model {
            id: Uuid::now_v7(),
            venue_id: out[v].0,
            occurred_on: town.date(days),
            kind: kind.to_owned(),
            summary: summary.to_owned(),
            recorded_by_user_id: officer,
            created_at: town.ago(days),
        }
        .seed(txn)
        .await?;
    }
    Ok(out)
}

#[derive(Clone, Copy)]
enum Subject {
    Person(Uuid),
    Venue(Uuid),
}

/// A level change: kind, from, to, days ago, reason.
type LevelStep = (Lk, Option<Lv>, Lv, Days, &'static str);

/// Level changes requested by the police: a step down waits for the coordinator (undecided
/// fields stay null), every other kind applied at once; an automatic escalation has no requester.
async fn level_history(
    txn: &impl ConnectionTrait,
    town: &Town,
    subject: Subject,
    history: &[LevelStep],
) -> Result<(), DemoError> {
    let (police, officer) = town.actor(U::Police)?;
    for &(kind, from, to, days, reason) in history {
        let requested = kind != Lk::AutoEscalation;
        let status = if kind == Lk::StepDown { LevelChangeStatus::Pending } else { LevelChangeStatus::Applied };
        let at = town.ago(days);
        match subject {
            Subject::Person(id) => {
                person_level_change::Model {
                    id: Uuid::now_v7(),
                    person_id: id,
                    kind,
                    status,
                    from_level: from,
                    to_level: Some(to),
                    reason: reason.to_owned(),
                    requested_by_user_id: requested.then_some(officer),
                    requested_by_unit_id: requested.then_some(police),
                    version: 1,
                    created_at: at,
                    updated_at: at,
                    decided_by_user_id: None,
                    decided_by_unit_id: None,
                    decision_comment: None,
                    approving_body: None,
                    document_number: None,
                    decided_at: None,
                }
                .seed(txn)
                .await?;
            }
            Subject::Venue(id) => {
                venue_level_change::Model {
                    id: Uuid::now_v7(),
                    venue_id: id,
                    kind,
                    status,
                    from_level: from,
                    to_level: Some(to),
                    reason: reason.to_owned(),
                    requested_by_user_id: requested.then_some(officer),
                    requested_by_unit_id: requested.then_some(police),
                    version: 1,
                    created_at: at,
                    updated_at: at,
                    decided_by_user_id: None,
                    decided_by_unit_id: None,
                    decision_comment: None,
                    approving_body: None,
                    document_number: None,
                    decided_at: None,
                }
                .seed(txn)
                .await?;
            }
        }
    }
    Ok(())
}

/// What tasks need to know of a lead.
struct LeadInfo {
    id: Uuid,
    serial: String,
    umbrella: bool,
    received: DateTime<Utc>,
    transfer_due: Option<DateTime<Utc>>,
    review_due: Option<DateTime<Utc>>,
    deadline: Option<DateTime<Utc>>,
}

/// One step of a lead's history: kind, from, to, acting unit, hours after receipt.
pub(super) type Step = (LeadEventKind, Option<Ls>, Option<Ls>, U, i64);

/// The history that brought a lead to `status` (seed 003 §三(二)). A lead the coordination
/// office registers starts TRANSFERRED; umbrella leads go REGISTERED → VERIFYING → concluded,
/// every step after registration by the discipline commission.
pub(super) fn lead_history(by: U, umbrella: bool, status: Ls, county: Option<CountyAnswer>, solver: U) -> Vec<Step> {
    use LeadEventKind as K;
    let concluded = matches!(status, Ls::Substantiated | Ls::Unfounded);
    let first = if by == U::Coord && !umbrella { Ls::Transferred } else { Ls::Registered };
    // (event, the status it leads to); `None` where the event changes no status.
    let mut path = vec![(K::Registered, Some(first))];
    if umbrella {
        if status != Ls::Registered {
            path.push((K::Assigned, Some(Ls::Verifying)));
        }
    } else {
        let reached = match status {
            Ls::Registered => 0,
            Ls::Transferred => 1,
            Ls::UnderReview => 2,
            Ls::Escalated => 3,
            Ls::LocalHandling => 4,
            Ls::Verifying => 5,
            Ls::Substantiated | Ls::Unfounded => 6,
        };
        if first == Ls::Registered && reached >= 1 {
            path.push((K::Transferred, Some(Ls::Transferred)));
        }
        if reached >= 2 {
            path.push((K::ReviewStarted, Some(Ls::UnderReview)));
        }
        if status == Ls::Escalated || county.is_some() {
            path.push((K::Decided, Some(Ls::Escalated)));
        } else if reached >= 4 {
            path.push((K::Decided, Some(Ls::LocalHandling)));
        }
        // A declined lead comes back for local handling; a taken-over one waits for the county.
        match county {
            Some(CountyAnswer::Declined) => path.push((K::CountyAnswered, Some(Ls::LocalHandling))),
            Some(CountyAnswer::TakenOver) => path.push((K::CountyAnswered, None)),
            None => {}
        }
        if reached >= 5 {
            path.push((K::Assigned, Some(Ls::Verifying)));
        }
    }
    if concluded {
        path.push((K::Concluded, Some(status)));
    }
    // Who takes each step, and when (hours after receipt).
    let assigned = if umbrella {
        24
    } else if county.is_some() {
        264
    } else {
        96
    };
    let mut from = None;
    let mut steps = Vec::new();
    for (kind, to) in path {
        let (actor, hours) = match kind {
            K::Registered => (by, 0),
            K::Transferred => (by, 2),
            K::ReviewStarted => (U::Coord, 20),
            K::Decided => (U::Coord, 72),
            K::CountyAnswered => (U::Coord, 240),
            K::Assigned if umbrella => (U::Jiwei, assigned),
            K::Assigned => (U::Coord, assigned),
            _ => (if umbrella { U::Jiwei } else { solver }, assigned + 24 * 25),
        };
        steps.push((kind, from, to, actor, hours));
        from = to.or(from);
    }
    steps
}

/// How many feedback rounds brought a risk item to `status`: the first starts the resolving.
pub(super) fn feedbacks(status: Rs) -> i64 {
    match status {
        Rs::Resolving => 1,
        Rs::Resolved => 2,
        _ => 0,
    }
}

/// The events of a lead's history `steps`, `at` placing each step (hours after receipt) in time
/// and `id` giving each event its id.
pub(super) fn lead_events(
    town: &Town,
    lead: Uuid,
    steps: &[Step],
    umbrella: bool,
    conclusion: Option<&str>,
    at: impl Fn(i64) -> DateTime<Utc>,
    mut id: impl FnMut(DateTime<Utc>) -> Uuid,
) -> Result<Vec<lead_event::Model>, DemoError> {
    let mut events = Vec::new();
    for &(kind, from, to, actor, hours) in steps {
        let unit = town.unit(actor)?;
        let note = if kind == LeadEventKind::Concluded { conclusion } else { event_note(kind, to, umbrella) };
        events.push(lead_event::Model {
            id: id(at(hours)),
            lead_id: lead,
            kind,
            actor_user_id: town.user(unit).map(|u| u.id),
            actor_unit_id: Some(unit),
            from_status: from,
            to_status: to,
            note: note.map(str::to_owned),
            created_at: at(hours),
        });
    }
    Ok(events)
}

/// The note on a lead event (a conclusion's note is the conclusion itself).
fn event_note(kind: LeadEventKind, to: Option<Ls>, umbrella: bool) -> Option<&'static str> {
    use LeadEventKind as K;
    Some(match (kind, to) {
        (K::Registered, _) if umbrella => "保护伞线索，双移交纪委",
        (K::Transferred, _) => "当日移交镇扫黑办",
        (K::ReviewStarted, _) => "呈领导小组阅示",
        (K::Decided, Some(Ls::Escalated)) => "上报县扫黑办",
        (K::Decided, _) => "交综治办按信访事项办理",
        (K::CountyAnswered, Some(_)) => "县扫黑办不予接办，交综治办办理",
        (K::CountyAnswered, None) => "县扫黑办接办，待反馈结果",
        (K::Assigned, _) if umbrella => "纪委受理，落实四定一包",
        (K::Assigned, _) => "落实四定一包",
        _ => return None,
    })
}

/// The responsible leader and the measures of 四定一包, by assignee.
pub(super) fn responsibility(assignee: U) -> (&'static str, &'static str) {
    match assignee {
        U::Jiwei => ("镇纪委书记", "调取相关审批及承包材料，谈话核实，必要时提请立案审查。"),
        U::Sifa => (LEADER, "调阅矫正及调解档案，走访村两委和当事人，组织调处。"),
        _ => (LEADER, "走访知情群众，调取监控及交易记录，约谈相关人员，依法固定证据。"),
    }
}

async fn insert_leads(
    txn: &impl ConnectionTrait,
    town: &Town,
    w: &World,
    persons: &Listed,
    venues: &Listed,
) -> Result<Vec<LeadInfo>, DemoError> {
    // Serials follow the order of receipt, per year, never reused.
    let received_at = |row: &LeadRow| town.ago(row.0) - Duration::hours(3);
    let mut order: Vec<usize> = (0..w.leads.len()).collect();
    order.sort_by_key(|&i| received_at(&w.leads[i]));
    let mut counters: BTreeMap<i32, i32> = BTreeMap::new();
    let mut serials = vec![(0, 0); w.leads.len()];
    for i in order {
        let year = local_date(received_at(&w.leads[i])).year();
        let number = counters.entry(year).or_insert(0);
        *number += 1;
        serials[i] = (year, *number);
    }
    let mut out = Vec::new();
    for (i, row) in w.leads.iter().enumerate() {
        let &(
            _,
            source,
            by,
            reporter,
            category,
            official,
            status,
            county,
            assignee,
            venue,
            subjects,
            summary,
            content,
            conclusion,
        ) = row;
        let umbrella = official || category == Lc::ProtectiveUmbrella;
        let received = received_at(row);
        let steps = lead_history(by, umbrella, status, county, assignee.unwrap_or(U::Coord));
        let at = |hours: i64| (received + Duration::hours(hours)).min(town.now - Duration::minutes(10));
        let when = |kind: LeadEventKind| steps.iter().find(|s| s.0 == kind).map(|s| at(s.4));
        let assigned = when(LeadEventKind::Assigned);
        let id = Uuid::now_v7();
        let (year, number) = serials[i];
        let info = LeadInfo {
            id,
            serial: format!("{year}-{number:04}"),
            umbrella,
            received,
            transfer_due: (!umbrella && by != U::Coord).then(|| end_of_day(local_date(received))),
            review_due: if umbrella {
                None
            } else {
                when(LeadEventKind::Transferred)
                    .or(when(LeadEventKind::Registered).filter(|_| by == U::Coord))
                    .map(|t| t + Duration::hours(24))
            },
            deadline: assigned.map(|t| t + Duration::days(30)),
        };
        let assignee_unit = match assignee {
            Some(u) if assigned.is_some() => Some(town.unit(u)?),
            _ => None,
        };
        // 四定一包: the responsible person is the assignee unit's officer.
        let duty = assignee.filter(|_| assignee_unit.is_some()).map(responsibility);
        let responsible = assignee_unit.and_then(|u| town.user(u)).map(|u| u.display_name.clone());
        lead::Model {
            id,
            town_id: town.id,
            serial: info.serial.clone(),
            serial_year: year,
            serial_number: number,
            received_at: received,
            source,
            receiving_unit_id: town.unit(by)?,
            reporter_name: reporter.map(|r| r.0.to_owned()),
            reporter_contact: reporter.map(|r| r.1.to_owned()),
            category,
            involves_official: official,
            umbrella,
            summary: summary.to_owned(),
            content: Some(content.to_owned()),
            venue_id: venue.map(|v| venues[v].0),
            status,
            assignee_unit_id: assignee_unit,
            responsible_leader: duty.map(|d| d.0.to_owned()),
            responsible_person: responsible,
            measures: duty.map(|d| d.1.to_owned()),
            deadline: info.deadline,
            transfer_due_at: info.transfer_due,
            review_due_at: info.review_due,
            county_answer: county,
            conclusion: conclusion.map(str::to_owned),
            concluded_at: when(LeadEventKind::Concluded),
            handed_over_from_lead_id: None,
            version: 1,
            created_at: received,
            updated_at: steps.last().map_or(received, |s| at(s.4)),
        }
        .seed(txn)
        .await?;
        for subject in subjects {
            let (person_id, name) = match subject {
                S::P(p) => (Some(persons[*p].0), None),
                S::N(name) => (None, Some((*name).to_owned())),
            };
            lead_subject::Model { id: Uuid::now_v7(), lead_id: id, person_id, name }.seed(txn).await?;
        }
        let events = lead_events(town, id, &steps, umbrella, conclusion, at, |_| Uuid::now_v7())?;
        Seed::seed_all(events, txn).await?;
        out.push(info);
    }
    for (year, last) in counters {
        lead_serial_counter::Model { town_id: town.id, year, last_number: last }.seed(txn).await?;
    }
    Ok(out)
}

/// A risk item's id and, when assessed HIGH, its T+2 feedback deadline.
type RiskInfo = (Uuid, Option<DateTime<Utc>>);

async fn insert_risks(txn: &impl ConnectionTrait, town: &Town, w: &World) -> Result<Vec<RiskInfo>, DemoError> {
    let coord = town.unit(U::Coord)?;
    let mut out = Vec::new();
    for row in w.risks {
        let &(
            title,
            category,
            level,
            v,
            status,
            escalation,
            sector,
            assignee,
            reporter,
            days,
            checks,
            location,
            description,
            parties,
            resolution,
        ) = row;
        let reported = town.ago(days);
        let at = |hours: i64| (reported + Duration::hours(hours)).min(town.now - Duration::minutes(10));
        let assessed = (status != Rs::Reported).then(|| at(48));
        let feedback_due = assessed.filter(|_| level == Some(Rl::High)).map(|t| t + Duration::days(2));
        let assignee = assessed.map(|_| assignee.unwrap_or(sector));
        let assignee_unit = assignee.map(|u| town.unit(u)).transpose()?;
        let resolved = (status == Rs::Resolved).then(|| at(24 * 12));
        let (reporter_unit, reporter_user) = town.actor(reporter)?;
        let id = Uuid::now_v7();
        risk_item::Model {
            id,
            town_id: town.id,
            village_id: town.villages[v].0,
            grid: Some(format!("第{}网格", v + 1)),
            title: title.to_owned(),
            category,
            level,
            location: Some(location.to_owned()),
            description: description.to_owned(),
            parties: parties.map(str::to_owned),
            territorial_unit_id: Some(town.villages[v].1),
            sector_unit_id: Some(town.unit(sector)?),
            assignee_unit_id: assignee_unit,
            responsible_person: assignee_unit.and_then(|u| town.user(u)).map(|u| u.display_name.clone()),
            plan: assessed.map(|_| {
                format!(
                    "一事一策：明确专人包案，{}日内上门化解，定期回访。",
                    if level == Some(Rl::High) { 2 } else { 7 }
                )
            }),
            status,
            escalation_level: escalation,
            reported_by_unit_id: reporter_unit,
            reported_by_user_id: reporter_user,
            assessed_at: assessed,
            feedback_due_at: feedback_due,
            resolution_note: resolution.map(str::to_owned),
            resolved_at: resolved,
            version: 1,
            created_at: reported,
            updated_at: resolved.or(assessed).unwrap_or(reported),
        }
        .seed(txn)
        .await?;
        // History: reported, escalations, assessment, feedback, resolution (hours after report).
        let value = |s: Rs| Some(s.to_value());
        let mut events = vec![(RiskEventKind::Reported, reporter_unit, None, value(Rs::Reported), 0, None)];
        let ladder = [Esc::Village, Esc::Town, Esc::District];
        let rungs = ladder.iter().position(|e| *e == escalation).unwrap_or(0);
        for (n, pair) in ladder.windows(2).take(rungs).enumerate() {
            let unit = if n == 0 && reporter == U::V(v) { reporter_unit } else { coord };
            let note = if n == 0 {
                "村级调处未果，提请镇联席会议"
            } else {
                "涉及面广，提请区联席会议"
            };
            let (from, to) = (Some(pair[0].to_value()), Some(pair[1].to_value()));
            events.push((RiskEventKind::Escalated, unit, from, to, 24 + 12 * n as i64, Some(note.to_owned())));
        }
        if let Some(unit) = assignee_unit {
            let note = level.map(|l| format!("定级 {}，交办责任单位", l.to_value()));
            events.push((RiskEventKind::Assessed, coord, value(Rs::Reported), value(Rs::Assessed), 48, note));
            let user = town.user(unit).ok_or_else(|| anyhow!("demo unit {unit} has no user"))?.id;
            let feedbacks = feedbacks(status);
            for n in 0..feedbacks {
                let body = if n == 0 { FEEDBACK[0] } else { FEEDBACK[1] };
                let hours = 72 + 24 * 6 * n;
                risk_feedback::Model {
                    id: Uuid::now_v7(),
                    risk_item_id: id,
                    unit_id: unit,
                    user_id: user,
                    body: body.to_owned(),
                    created_at: at(hours),
                }
                .seed(txn)
                .await?;
                // The first feedback starts the resolving; later ones change no status.
                let (from, to) = if n == 0 { (value(Rs::Assessed), value(Rs::Resolving)) } else { (None, None) };
                events.push((RiskEventKind::Feedback, unit, from, to, hours, None));
            }
        }
        if resolved.is_some() {
            let note = resolution.map(str::to_owned);
            events.push((RiskEventKind::Resolved, coord, value(Rs::Resolving), value(Rs::Resolved), 24 * 12, note));
        }
        for (kind, unit, from_value, to_value, hours, note) in events {
            risk_event::Model {
                id: Uuid::now_v7(),
                risk_item_id: id,
                kind,
                actor_user_id: town.user(unit).map(|u| u.id),
                actor_unit_id: Some(unit),
                from_value,
                to_value,
                note,
                created_at: at(hours),
            }
            .seed(txn)
            .await?;
        }
        // Villages record a daily check on their open items.
        let checker = town.user(town.villages[v].1).map(|u| u.id);
        if let Some(user) = checker
            && status != Rs::Resolved
        {
            for day in 1..=checks {
                risk_check::Model {
                    id: Uuid::now_v7(),
                    risk_item_id: id,
                    checked_on: town.date(day),
                    note: CHECK_NOTES[day as usize % 2].to_owned(),
                    user_id: user,
                    created_at: town.ago(day),
                }
                .seed(txn)
                .await?;
            }
        }
        out.push((id, feedback_due));
    }
    Ok(out)
}

struct Targets {
    persons: Listed,
    venues: Listed,
    leads: Vec<LeadInfo>,
    risks: Vec<RiskInfo>,
}

async fn insert_tasks(txn: &impl ConnectionTrait, town: &Town, w: &World, targets: &Targets) -> Result<(), DemoError> {
    for (i, row) in w.tasks.iter().enumerate() {
        let &(title, kind, target, to, from, due, listed, status, returned) = row;
        let lead = match target {
            T::L(l) => Some(&targets.leads[l]),
            _ => None,
        };
        // An umbrella lead's serial is shell data, but a title is shown wherever the task is:
        // keep umbrella tasks generic so no title ever points at one.
        if lead.is_some_and(|l| l.umbrella) && title.contains("{serial}") {
            return Err(anyhow!("demo task {i} would name an umbrella lead in its title").into());
        }
        let (target_type, target_id) = match target {
            T::None => (None, None),
            T::P(p) => (Some(TaskTargetType::Person), Some(targets.persons[p].0)),
            T::Ve(v) => (Some(TaskTargetType::Venue), Some(targets.venues[v].0)),
            T::L(_) => (Some(TaskTargetType::Lead), lead.map(|l| l.id)),
            T::R(r) => (Some(TaskTargetType::RiskItem), Some(targets.risks[r].0)),
        };
        let (due_at, created_at) = due_and_created(town, kind, target, due, targets, i)?;
        let assignee = town.unit(to)?;
        let creator = town.unit(from)?;
        // Only ad-hoc tasks are raised by a person; every other kind is raised by a rule.
        let by_person = kind == Tk::AdHoc;
        let creator_user = town.user(creator).map(|u| u.id);
        let id = Uuid::now_v7();
        task::Model {
            id,
            town_id: town.id,
            title: lead.map_or(title.to_owned(), |l| title.replace("{serial}", &l.serial)),
            description: by_person.then(|| "请按要求办理，并在期限内反馈办理情况。".to_owned()),
            kind,
            target_type,
            target_id,
            assignee_unit_id: assignee,
            assignee_user_id: None,
            creating_unit_id: creator,
            created_by_user_id: if by_person { creator_user } else { None },
            due_at,
            listed,
            status,
            // An open rule-raised task holds its rule's key, as the rules themselves would set it,
            // so the first sweep sees it instead of raising a second one.
            rule_key: if by_person || matches!(status, Ts::Accepted | Ts::Cancelled) {
                None
            } else {
                crate::rules::rule_key(kind, target_id, assignee, due_at)
            },
            version: 1,
            created_at,
            updated_at: created_at,
        }
        .seed(txn)
        .await?;
        // The thread that brought the task to its status.
        use TaskEventKind as K;
        let worker = (Some(assignee), town.user(assignee).map(|u| u.id));
        let boss = (Some(creator), creator_user);
        let rule = (None, None);
        let mut events = vec![(K::Created, if by_person { boss } else { rule }, None)];
        let closes_itself = !by_person && !matches!(kind, Tk::MonthlyReport | Tk::VillageLeadReport);
        match status {
            Ts::Open => {}
            Ts::Cancelled => events.push((K::Cancelled, boss, Some("任务已撤销"))),
            _ => {
                events.push((K::Started, worker, None));
                if returned {
                    events.push((K::Submitted, worker, Some("已按要求办理，报送情况说明。")));
                    events.push((K::Returned, boss, Some("材料不全，请补充后重新报送。")));
                }
                if status == Ts::InProgress {
                    events.push((K::Feedback, worker, Some("已部署落实，正在推进。")));
                } else if status == Ts::Accepted && closes_itself {
                    events.push((K::SystemClosed, rule, Some("职责已履行，系统自动办结。")));
                } else {
                    events.push((K::Submitted, worker, Some("已按要求办理完毕，报送办理结果。")));
                    if status == Ts::Accepted {
                        events.push((K::Accepted, boss, Some("同意办结。")));
                    }
                }
            }
        }
        let step = (town.now - created_at) / (events.len() as i32 + 1);
        for (n, (kind, (unit, user), body)) in events.into_iter().enumerate() {
            task_event::Model {
                id: Uuid::now_v7(),
                task_id: id,
                kind,
                actor_user_id: user,
                actor_unit_id: unit,
                body: body.map(str::to_owned),
                created_at: created_at + step * n as i32,
            }
            .seed(txn)
            .await?;
        }
    }
    Ok(())
}

/// When a task falls due, and when it was raised.
fn due_and_created(
    town: &Town,
    kind: Tk,
    target: T,
    due: Due,
    targets: &Targets,
    i: usize,
) -> Result<(DateTime<Utc>, DateTime<Utc>), DemoError> {
    let missing = || DemoError::from(anyhow!("demo task {i} has no due date from its target"));
    let lead = |l: usize, due: Option<DateTime<Utc>>, before: Duration| {
        due.map(|d| (d, (d - before).max(targets.leads[l].received)))
    };
    let due = match (due, target) {
        (Due::Target, T::P(p)) => targets.persons[p].1,
        (Due::Target, T::Ve(v)) => targets.venues[v].1,
        (Due::Target, T::R(r)) => targets.risks[r].1.ok_or_else(missing)?,
        (Due::Target, T::L(l)) => {
            let info = &targets.leads[l];
            let found = match kind {
                Tk::LeadTransfer => lead(l, info.transfer_due, Duration::days(1)),
                Tk::LeadReview => lead(l, info.review_due, Duration::hours(24)),
                _ => lead(l, info.deadline, Duration::days(30)),
            };
            return found.ok_or_else(missing);
        }
        (Due::Target, T::None) => return Err(missing()),
        (Due::Days(days), _) => town.ago(days),
        (Due::Report(k), _) => end_of_day(town.report_deadline(k)),
        (Due::Month(months, day), _) => end_of_day(town.month_day(months, day)),
    };
    let lead_time = match kind {
        Tk::RiskFeedback => Duration::days(2),
        Tk::MonthlyReport => Duration::days(14),
        Tk::RiskResolution => Duration::days(10),
        _ => Duration::days(7),
    };
    Ok((due, (due - lead_time).min(town.now - Duration::hours(2 + 5 * (i as i64 % 7)))))
}
