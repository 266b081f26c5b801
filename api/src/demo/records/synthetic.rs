//! A synthetic world of any size on top of the demo world (`pingan seed`): key persons with their
//! categories and talks, venues with inspections, leads in every state with their subjects and
//! histories, risk items with their histories and ad-hoc supervision tasks, meetings with the
//! units that attended and their decisions (and the tasks those raised), and the judicial
//! office's lawyers' reports, spread over both demo towns and all their villages. Everything is written through the seed store, a batch of
//! persons (and the records that link to them) per transaction, so memory stays flat at any size.
//!
//! The same `seed` gives the same records: every random choice, and every id, comes from one
//! seeded generator (only the demo world's own towns, units and users get fresh ids).

use entity::enums::{LeadEventKind as K, MeetingKind};
use entity::{lawyer_report, meeting, meeting_decision, meeting_unit};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{DatabaseConnection, Iterable};

use super::insert::{feedbacks, lead_events, lead_history, responsibility};
use super::*;

/// Persons written per transaction; venues, leads, risk items and tasks follow in proportion.
const BATCH: usize = 1_000;
/// Records of each kind per person (venues 1 in 10, leads 1 in 20, risk items, tasks, meetings
/// and lawyers' reports 1 in 50).
const VENUES_PER: usize = 10;
const LEADS_PER: usize = 20;
const RISKS_PER: usize = 50;
const TASKS_PER: usize = 50;
const MEETINGS_PER: usize = 50;
const LAWYER_REPORTS_PER: usize = 50;
const TALKS: usize = 3;
/// How far back the world's records reach.
const YEARS: i64 = 5;

/// How many records of each kind were written.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub persons: usize,
    pub talks: usize,
    pub venues: usize,
    pub inspections: usize,
    pub leads: usize,
    pub lead_events: usize,
    pub risk_items: usize,
    pub tasks: usize,
    pub meetings: usize,
    pub decisions: usize,
    pub lawyer_reports: usize,
}

/// The world's two towns and what each may do: only a town with a discipline commission and a
/// judicial office gets umbrella leads and meetings, judicial assignees and lawyers' reports.
struct Place {
    town: Town,
    full: bool,
    coord_user: Uuid,
}

/// Writes `persons` synthetic persons and their proportional records into the towns given by
/// id (the demo towns, in `TOWNS` order), calling `progress` with the persons written so far.
pub(in crate::demo) async fn load(
    db: &DatabaseConnection,
    towns: &[Uuid],
    persons: usize,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Counts, DemoError> {
    let mut places = Vec::new();
    for (index, id) in towns.iter().enumerate() {
        let world = if index == 0 { &QINGHE } else { &LIULIN };
        let mut town = Town::find(db, *id, world.villages).await?;
        // Dates count back from the start of today (local), so the same seed gives the same
        // records all day.
        town.now = end_of_day(town.today - Duration::days(1)) + Duration::seconds(1);
        let coord_user = town.actor(U::Coord)?.1;
        let full = town.unit(U::Jiwei).is_ok() && town.unit(U::Sifa).is_ok();
        places.push(Place { town, full, coord_user });
    }
    if places.is_empty() {
        return Err(anyhow!("the demo towns are missing").into());
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let leads = persons.div_ceil(LEADS_PER);
    let serials = reserve_serials(db, &places, leads).await?;
    let mut world = Synthetic { rng: &mut rng, places: &places, leads, serials, counts: Counts::default() };
    for start in (0..persons).step_by(BATCH) {
        let end = (start + BATCH).min(persons);
        let (txn, _turn) = crate::db::write(db).await?;
        world.batch(&txn, start..end).await?;
        txn.commit().await?;
        progress(end);
    }
    Ok(world.counts)
}

/// The first serial number of each (town, year) of the synthetic leads, reserved through the
/// lead store the way registrations take theirs. Lead `k` is received at [`received`]`(k)`, so
/// the serials follow the order of receipt within each town and year.
async fn reserve_serials(
    db: &DatabaseConnection,
    places: &[Place],
    leads: usize,
) -> Result<BTreeMap<(usize, i32), i32>, DemoError> {
    let mut counts: BTreeMap<(usize, i32), i32> = BTreeMap::new();
    for k in 0..leads {
        let place = k % places.len();
        let year = crate::domain::lead_flow::serial_year(received(&places[place].town, k, leads));
        *counts.entry((place, year)).or_insert(0) += 1;
    }
    let (txn, _turn) = crate::db::write(db).await?;
    let mut next = BTreeMap::new();
    for ((place, year), count) in counts {
        let first = crate::access::stores::lead::reserve_serials(&txn, places[place].town.id, year, count)
            .await
            .map_err(|e| anyhow!("reserving lead serials: {e}"))?;
        next.insert((place, year), first);
    }
    txn.commit().await?;
    Ok(next)
}

/// When lead `k` of `leads` was received: evenly from `YEARS` ago to a month ago.
fn received(town: &Town, k: usize, leads: usize) -> DateTime<Utc> {
    let span = Duration::days(365 * YEARS - 30);
    let step = span / leads.max(1) as i32;
    town.ago(365 * YEARS) + step * k as i32
}

struct Synthetic<'a> {
    rng: &'a mut StdRng,
    places: &'a [Place],
    leads: usize,
    /// The next serial number of each (town, year).
    serials: BTreeMap<(usize, i32), i32>,
    counts: Counts,
}

/// One batch's rows, written table by table.
#[derive(Default)]
struct Rows {
    persons: Vec<person::Model>,
    categories: Vec<person_category::Model>,
    talks: Vec<person_talk::Model>,
    venues: Vec<venue::Model>,
    inspections: Vec<venue_inspection::Model>,
    leads: Vec<lead::Model>,
    subjects: Vec<lead_subject::Model>,
    lead_events: Vec<lead_event::Model>,
    risks: Vec<risk_item::Model>,
    feedback: Vec<risk_feedback::Model>,
    risk_events: Vec<risk_event::Model>,
    tasks: Vec<task::Model>,
    task_events: Vec<task_event::Model>,
    meetings: Vec<meeting::Model>,
    attendees: Vec<meeting_unit::Model>,
    decisions: Vec<meeting_decision::Model>,
    lawyer_reports: Vec<lawyer_report::Model>,
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀兰", "霞", "平", "刚",
    "桂英", "建国", "建华", "国强", "志强", "海燕", "春生", "德胜", "永胜", "丽娟", "海涛",
];
const TALK_SUMMARIES: &[&str] = &[
    "走访谈话，了解近期生活和就业情况，告知其遵纪守法。",
    "训诫谈话，重申不得参与聚众滋事，本人表示服从管理。",
    "教育谈话，家属在场，情绪稳定，无异常动向。",
];
const FINDINGS: &[&str] = &["经营正常，未发现涉黑涉恶线索。", "消防通道堆放杂物，已责令整改。"];
const LEAD_SUMMARIES: &[&str] = &[
    "群众反映有人在集市强收摊位费",
    "反映有人放贷后上门滋扰催收",
    "反映村内有人阻挠工程施工、强揽工程",
    "反映娱乐场所疑似容留卖淫",
];
const CONCLUSION: &str = "经核查，已依法处理。";
const RISK_TITLES: &[&str] = &["邻里宅基地纠纷", "工程款拖欠引发聚集风险", "土地流转纠纷", "校园周边摊贩冲突"];
const MEETING_SUMMARIES: &[&str] = &[
    "通报本月线索核查和重点人员管控情况，研判辖区涉黑涉恶风险。",
    "各成员单位汇报重点行业整治进展，部署下阶段工作。",
    "会商矛盾纠纷化解情况，对久调未结的纠纷逐件明确责任单位。",
];
const UMBRELLA_SUMMARY: &str = "研究保护伞线索核查进展，明确下一步核查措施。";
const DECISIONS: &[&str] = &[
    "会议要求各单位按期反馈落实情况。",
    "对相关重点人员开展一次走访谈话，形成书面报告。",
    "会同有关部门对相关场所开展联合检查。",
    "对相关线索深入核查，十五日内报送核查结果。",
];
const LAWYERS: &[(&str, &str)] =
    &[("诚信律师事务所", "县人民法院"), ("正义律师事务所", "市中级人民法院"), ("明德律师事务所", "县人民法院")];
const CASE_NAMES: &[&str] = &["某某等人寻衅滋事案", "某某等人强迫交易案", "某某等人敲诈勒索案"];

impl Synthetic<'_> {
    fn id(&mut self, at: DateTime<Utc>) -> Uuid {
        let bytes: [u8; 10] = self.rng.random();
        uuid::Builder::from_unix_timestamp_millis(at.timestamp_millis().max(0) as u64, &bytes).into_uuid()
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.rng.random_range(0..from.len())]
    }

    async fn batch(&mut self, txn: &impl ConnectionTrait, range: std::ops::Range<usize>) -> Result<(), DemoError> {
        let mut rows = Rows::default();
        // Per town: the persons and venues of this batch that leads and tasks can point at.
        let mut persons: Vec<Vec<Uuid>> = vec![Vec::new(); self.places.len()];
        let mut venues: Vec<Vec<Uuid>> = vec![Vec::new(); self.places.len()];
        for i in range.clone() {
            let place = i % self.places.len();
            persons[place].push(self.person(&mut rows, place, i)?);
            if i % VENUES_PER == 0 {
                venues[place].push(self.venue(&mut rows, place, i / VENUES_PER)?);
            }
        }
        for i in range {
            if i % LEADS_PER == 0 {
                let k = i / LEADS_PER;
                let place = k % self.places.len();
                self.lead(&mut rows, place, k, &persons[place], &venues[place])?;
            }
            if i % RISKS_PER == 0 {
                self.risk(&mut rows, (i / RISKS_PER) % self.places.len())?;
            }
            if i % TASKS_PER == 0 {
                let place = (i / TASKS_PER) % self.places.len();
                self.task(&mut rows, place, &persons[place])?;
            }
            if i % MEETINGS_PER == 0 {
                let k = i / MEETINGS_PER;
                self.meeting(&mut rows, k % self.places.len(), k)?;
            }
            if i % LAWYER_REPORTS_PER == 0 {
                // Only a town with a judicial office keeps the ledger.
                let ledgers: Vec<usize> = (0..self.places.len()).filter(|p| self.places[*p].full).collect();
                if !ledgers.is_empty() {
                    self.lawyer_report(&mut rows, ledgers[(i / LAWYER_REPORTS_PER) % ledgers.len()])?;
                }
            }
        }
        self.write(txn, rows).await
    }

    async fn write(&mut self, txn: &impl ConnectionTrait, rows: Rows) -> Result<(), DemoError> {
        let c = &mut self.counts;
        c.persons += rows.persons.len();
        c.talks += rows.talks.len();
        c.venues += rows.venues.len();
        c.inspections += rows.inspections.len();
        c.leads += rows.leads.len();
        c.lead_events += rows.lead_events.len();
        c.risk_items += rows.risks.len();
        // The ad-hoc tasks; those the meetings' decisions raised are counted with the decisions.
        c.tasks += rows.tasks.iter().filter(|t| t.kind == Tk::AdHoc).count();
        c.meetings += rows.meetings.len();
        c.decisions += rows.decisions.len();
        c.lawyer_reports += rows.lawyer_reports.len();
        // Parents before children; each table in statements of a bounded number of parameters.
        seed_chunks(txn, rows.persons, 20).await?;
        seed_chunks(txn, rows.categories, 2).await?;
        seed_chunks(txn, rows.talks, 8).await?;
        seed_chunks(txn, rows.venues, 18).await?;
        seed_chunks(txn, rows.inspections, 8).await?;
        seed_chunks(txn, rows.leads, 32).await?;
        seed_chunks(txn, rows.subjects, 4).await?;
        seed_chunks(txn, rows.lead_events, 9).await?;
        seed_chunks(txn, rows.risks, 28).await?;
        seed_chunks(txn, rows.feedback, 6).await?;
        seed_chunks(txn, rows.risk_events, 9).await?;
        seed_chunks(txn, rows.tasks, 18).await?;
        seed_chunks(txn, rows.task_events, 7).await?;
        seed_chunks(txn, rows.meetings, 9).await?;
        seed_chunks(txn, rows.attendees, 2).await?;
        seed_chunks(txn, rows.decisions, 7).await?;
        seed_chunks(txn, rows.lawyer_reports, 11).await?;
        Ok(())
    }

    fn person(&mut self, rows: &mut Rows, place: usize, i: usize) -> Result<Uuid, DemoError> {
        let p = &self.places[place];
        let town = &p.town;
        let (police, officer) = town.actor(U::Police)?;
        let v = self.rng.random_range(0..town.villages.len());
        let male = self.rng.random_bool(0.8);
        // Unique per town by construction: the index within the town spreads over birth days
        // (a stride coprime to their number) and the order code.
        let n = (i / self.places.len()) as u32;
        let day = n.wrapping_mul(7_919) % 20_000;
        let birth = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default() + Duration::days(day.into());
        let region = format!("4105{:02}", 90 + (n / (500 * 20_000)) % 10);
        let order = (n / 20_000) % 500;
        let level = match self.rng.random_range(0..100) {
            0..70 => Lv::General,
            70..95 => Lv::Key,
            _ => Lv::Special,
        };
        let listed: Days = self.rng.random_range(30..365 * YEARS);
        let created = town.ago(listed);
        let id = self.id(created);
        let name = format!("{}{}", self.pick(SURNAMES), self.pick(GIVEN));
        rows.persons.push(person::Model {
            id,
            town_id: town.id,
            village_id: town.villages[v].0,
            name,
            gender: if male { Gender::Male } else { Gender::Female },
            birth_date: birth,
            id_number: id_number(&region, birth, order, male),
            phone: Some(format!("139{:08}", self.rng.random_range(0..100_000_000u32))),
            address: Some(format!("{}{}组{}号", town.names[v], n % 9 + 1, n % 97 + 1)),
            attention_level: level,
            level_since: town.date(listed),
            responsible_officer_id: Some(officer),
            listed_at: town.date(listed),
            status: if self.rng.random_bool(0.03) { RecordStatus::Delisted } else { RecordStatus::Active },
            notes: None,
            created_by_unit_id: police,
            link_of_person_id: None,
            version: 1,
            created_at: created,
            updated_at: created,
        });
        let all: Vec<Pc> = Pc::iter().collect();
        let first = self.pick(&all);
        rows.categories.push(person_category::Model { person_id: id, category: first });
        let second = self.pick(&all);
        if second != first && self.rng.random_bool(0.4) {
            rows.categories.push(person_category::Model { person_id: id, category: second });
        }
        // Talks at even steps up to the last one, which is due again within the level's interval
        // for all but a few (those the talk rule raises tasks for).
        let every = interval(level, false);
        let last = if self.rng.random_bool(0.02) {
            every + self.rng.random_range(1..30)
        } else {
            self.rng.random_range(1..every)
        };
        let last = last.min(listed);
        for t in 0..TALKS as i64 {
            let ago = last + (listed - last) * t / TALKS as i64;
            let at = town.ago(ago);
            let talk = self.id(at);
            let kind = self.pick(&[TalkKind::Admonition, TalkKind::Education, TalkKind::Other]);
            rows.talks.push(person_talk::Model {
                id: talk,
                person_id: id,
                talked_on: town.date(ago),
                officer_id: officer,
                kind,
                summary: self.pick(TALK_SUMMARIES).to_owned(),
                recorded_by_user_id: officer,
                created_at: at,
            });
        }
        Ok(id)
    }

    fn venue(&mut self, rows: &mut Rows, place: usize, k: usize) -> Result<Uuid, DemoError> {
        let town = &self.places[place].town;
        let (police, officer) = town.actor(U::Police)?;
        let v = self.rng.random_range(0..town.villages.len());
        let types: Vec<Vt> = Vt::iter().collect();
        let venue_type = self.pick(&types);
        let level = if self.rng.random_bool(0.8) { Lv::General } else { Lv::Key };
        let listed: Days = self.rng.random_range(30..365 * YEARS);
        let created = town.ago(listed);
        let id = self.id(created);
        rows.venues.push(venue::Model {
            id,
            town_id: town.id,
            village_id: town.villages[v].0,
            name: format!("{}{}{}号", town.names[v], venue_label(venue_type), k),
            venue_type,
            address: format!("{}主街{}号", town.names[v], k % 500 + 1),
            licence_number: Some(format!("JY{}{k:09}", 41 + place)),
            manager_name: Some(format!("{}{}", self.pick(SURNAMES), self.pick(GIVEN))),
            manager_phone: Some(format!("137{:08}", self.rng.random_range(0..100_000_000u32))),
            attention_level: level,
            level_since: town.date(listed),
            listed_at: town.date(listed),
            status: RecordStatus::Active,
            notes: None,
            created_by_unit_id: police,
            version: 1,
            created_at: created,
            updated_at: created,
        });
        let every = interval(level, true);
        for ago in [self.rng.random_range(1..every), every + self.rng.random_range(1..every)] {
            let at = town.ago(ago.min(listed));
            let inspection = self.id(at);
            rows.inspections.push(venue_inspection::Model {
                id: inspection,
                venue_id: id,
                inspected_on: town.date(ago.min(listed)),
                inspector_id: officer,
                findings: self.pick(FINDINGS).to_owned(),
                manager_talked: self.rng.random_bool(0.5),
                recorded_by_user_id: officer,
                created_at: at,
            });
        }
        Ok(id)
    }

    fn lead(
        &mut self,
        rows: &mut Rows,
        place: usize,
        k: usize,
        persons: &[Uuid],
        venues: &[Uuid],
    ) -> Result<(), DemoError> {
        let p = &self.places[place];
        let town = &p.town;
        let received = received(town, k, self.leads);
        let year = crate::domain::lead_flow::serial_year(received);
        let number = self.serials.get_mut(&(place, year)).ok_or_else(|| anyhow!("no serial reserved for {year}"))?;
        let serial = *number;
        *number += 1;
        // Every state in every town's first ten leads: the n-th lead of a town takes the n-th state
        // in turn, and every tenth of a town with a discipline commission is an umbrella lead.
        let n = k / self.places.len();
        let umbrella = p.full && n % 10 == 9;
        let mut by_units = vec![U::Coord, U::Police, U::V(self.rng.random_range(0..town.villages.len()))];
        let mut solvers = vec![U::Police, U::V(self.rng.random_range(0..town.villages.len()))];
        if p.full {
            by_units.extend([U::Sifa, U::Jiwei]);
            solvers.push(U::Sifa);
        }
        let by = self.pick(&by_units);
        let solver = if umbrella { U::Jiwei } else { self.pick(&solvers) };
        let status = if umbrella {
            [Ls::Registered, Ls::Verifying, Ls::Substantiated, Ls::Unfounded][(n / 10) % 4]
        } else {
            let all: Vec<Ls> = Ls::iter().collect();
            all[n % all.len()]
        };
        let county = match status {
            _ if umbrella => None,
            Ls::Escalated => self.rng.random_bool(0.5).then_some(CountyAnswer::TakenOver),
            Ls::LocalHandling | Ls::Verifying | Ls::Substantiated | Ls::Unfounded => {
                self.rng.random_bool(0.2).then_some(CountyAnswer::Declined)
            }
            _ => None,
        };
        let steps = lead_history(by, umbrella, status, county, solver);
        let at = |hours: i64| (received + Duration::hours(hours)).min(town.now - Duration::minutes(10));
        let when = |kind: K| steps.iter().find(|s| s.0 == kind).map(|s| at(s.4));
        let assigned = when(K::Assigned);
        let assignee_unit = match assigned {
            Some(_) => Some(town.unit(solver)?),
            None => None,
        };
        let duty = assignee_unit.map(|_| responsibility(solver));
        let categories: Vec<Lc> = Lc::iter().filter(|c| *c != Lc::ProtectiveUmbrella).collect();
        let category =
            if umbrella && self.rng.random_bool(0.5) { Lc::ProtectiveUmbrella } else { self.pick(&categories) };
        let source = match by {
            U::Coord => Src::PublicReport,
            U::Police => Src::Police,
            U::Jiwei => Src::Discipline,
            U::Sifa => Src::Judicial,
            U::V(_) => Src::Village,
        };
        let reporter = (source == Src::PublicReport)
            .then(|| (format!("{}{}", self.pick(SURNAMES), self.pick(GIVEN)), format!("138{:08}", k % 100_000_000)));
        let concluded = matches!(status, Ls::Substantiated | Ls::Unfounded);
        let id = self.id(received);
        let venue = if !venues.is_empty() && self.rng.random_bool(0.3) { Some(self.pick(venues)) } else { None };
        rows.leads.push(lead::Model {
            id,
            town_id: town.id,
            serial: crate::domain::lead_flow::serial(year, serial),
            serial_year: year,
            serial_number: serial,
            received_at: received,
            source,
            receiving_unit_id: town.unit(by)?,
            reporter_name: reporter.as_ref().map(|r| r.0.clone()),
            reporter_contact: reporter.map(|r| r.1),
            category,
            involves_official: umbrella && category != Lc::ProtectiveUmbrella,
            umbrella,
            summary: self.pick(LEAD_SUMMARIES).to_owned(),
            content: Some("来信反映的具体情况，含时间、地点和涉及人员。".to_owned()),
            venue_id: venue,
            status,
            assignee_unit_id: assignee_unit,
            responsible_leader: duty.map(|d| d.0.to_owned()),
            responsible_person: assignee_unit.and_then(|u| town.user(u)).map(|u| u.display_name.clone()),
            measures: duty.map(|d| d.1.to_owned()),
            deadline: assigned.map(|t| t + Duration::days(30)),
            transfer_due_at: (!umbrella && by != U::Coord).then(|| end_of_day(local_date(received))),
            review_due_at: if umbrella {
                None
            } else {
                when(K::Transferred).or(when(K::Registered).filter(|_| by == U::Coord)).map(|t| t + Duration::hours(24))
            },
            county_answer: county,
            conclusion: concluded.then(|| CONCLUSION.to_owned()),
            concluded_at: when(K::Concluded),
            handed_over_from_lead_id: None,
            version: 1,
            created_at: received,
            updated_at: steps.last().map_or(received, |s| at(s.4)),
        });
        let subjects = self.rng.random_range(1..=2).min(persons.len());
        for _ in 0..subjects {
            let person = self.pick(persons);
            let subject = self.id(received);
            rows.subjects.push(lead_subject::Model { id: subject, lead_id: id, person_id: Some(person), name: None });
        }
        let conclusion = concluded.then_some(CONCLUSION);
        let events = lead_events(town, id, &steps, umbrella, conclusion, at, |at| self.id(at))?;
        rows.lead_events.extend(events);
        Ok(())
    }

    fn risk(&mut self, rows: &mut Rows, place: usize) -> Result<(), DemoError> {
        let p = &self.places[place];
        let town = &p.town;
        let coord = town.unit(U::Coord)?;
        let v = self.rng.random_range(0..town.villages.len());
        let status = self.pick(&[Rs::Reported, Rs::Assessed, Rs::Resolving, Rs::Resolved]);
        let reported = town.ago(self.rng.random_range(3..365 * YEARS));
        let at = |hours: i64| (reported + Duration::hours(hours)).min(town.now - Duration::minutes(10));
        let level = (status != Rs::Reported).then(|| self.pick(&[Rl::High, Rl::Medium, Rl::Low]));
        let assessed = (status != Rs::Reported).then(|| at(48));
        let feedback_due = assessed.filter(|_| level == Some(Rl::High)).map(|t| t + Duration::days(2));
        let sector = if p.full && self.rng.random_bool(0.5) { U::Sifa } else { U::Police };
        let assignee = assessed.map(|_| town.unit(sector)).transpose()?;
        let resolved = (status == Rs::Resolved).then(|| at(24 * 12));
        // The village's grid worker reports; where the village has no user, the police station.
        let (reporter_unit, reporter_user) = town.actor(U::V(v)).or_else(|_| town.actor(U::Police))?;
        let id = self.id(reported);
        rows.risks.push(risk_item::Model {
            id,
            town_id: town.id,
            village_id: town.villages[v].0,
            grid: Some(format!("第{}网格", v + 1)),
            title: self.pick(RISK_TITLES).to_owned(),
            category: self.pick(&[Rc::SocialConflict, Rc::PublicSafetyHazard, Rc::KeyPersonRisk]),
            level,
            location: Some(town.names[v].to_owned()),
            description: "村网格员排查发现，当事双方多次争执。".to_owned(),
            parties: Some("当事双方".to_owned()),
            territorial_unit_id: Some(town.villages[v].1),
            sector_unit_id: Some(town.unit(sector)?),
            assignee_unit_id: assignee,
            responsible_person: assignee.and_then(|u| town.user(u)).map(|u| u.display_name.clone()),
            plan: assessed.map(|_| "一事一策：明确专人包案，上门化解，定期回访。".to_owned()),
            status,
            escalation_level: Esc::Village,
            reported_by_unit_id: reporter_unit,
            reported_by_user_id: reporter_user,
            assessed_at: assessed,
            feedback_due_at: feedback_due,
            resolution_note: resolved.map(|_| "双方达成调解协议，矛盾化解。".to_owned()),
            resolved_at: resolved,
            version: 1,
            created_at: reported,
            updated_at: resolved.or(assessed).unwrap_or(reported),
        });
        let value = |s: Rs| Some(s.to_value());
        let mut events = vec![(RiskEventKind::Reported, reporter_unit, None, value(Rs::Reported), 0)];
        if let Some(unit) = assignee {
            events.push((RiskEventKind::Assessed, coord, value(Rs::Reported), value(Rs::Assessed), 48));
            let user = town.user(unit).ok_or_else(|| anyhow!("unit {unit} has no user"))?.id;
            let feedbacks = feedbacks(status);
            for n in 0..feedbacks {
                let hours = 72 + 24 * 6 * n;
                let feedback = self.id(at(hours));
                rows.feedback.push(risk_feedback::Model {
                    id: feedback,
                    risk_item_id: id,
                    unit_id: unit,
                    user_id: user,
                    body: FEEDBACK[n as usize % 2].to_owned(),
                    created_at: at(hours),
                });
                let (from, to) = if n == 0 { (value(Rs::Assessed), value(Rs::Resolving)) } else { (None, None) };
                events.push((RiskEventKind::Feedback, unit, from, to, hours));
            }
        }
        if resolved.is_some() {
            events.push((RiskEventKind::Resolved, coord, value(Rs::Resolving), value(Rs::Resolved), 24 * 12));
        }
        for (kind, unit, from_value, to_value, hours) in events {
            let event = self.id(at(hours));
            rows.risk_events.push(risk_event::Model {
                id: event,
                risk_item_id: id,
                kind,
                actor_user_id: town.user(unit).map(|u| u.id),
                actor_unit_id: Some(unit),
                from_value,
                to_value,
                note: None,
                created_at: at(hours),
            });
        }
        Ok(())
    }

    /// An ad-hoc task of the coordination office about one of the batch's persons (the rules
    /// raise the others when the server sweeps).
    fn task(&mut self, rows: &mut Rows, place: usize, persons: &[Uuid]) -> Result<(), DemoError> {
        let p = &self.places[place];
        let town = &p.town;
        let coord = town.unit(U::Coord)?;
        let to =
            if self.rng.random_bool(0.5) { U::Police } else { U::V(self.rng.random_range(0..town.villages.len())) };
        let assignee = town.unit(to)?;
        let worker = town.user(assignee).map(|u| u.id);
        let created = town.ago(self.rng.random_range(1..365 * YEARS));
        let due = created + Duration::days(self.rng.random_range(3..30));
        let status = self.pick(&[Ts::Open, Ts::InProgress, Ts::Submitted, Ts::Accepted, Ts::Cancelled]);
        let target = if persons.is_empty() { None } else { Some(self.pick(persons)) };
        let id = self.id(created);
        rows.tasks.push(task::Model {
            id,
            town_id: town.id,
            title: "核查重点人员近期动向并反馈".to_owned(),
            description: Some("请按要求办理，并在期限内反馈办理情况。".to_owned()),
            kind: Tk::AdHoc,
            target_type: target.map(|_| TaskTargetType::Person),
            target_id: target,
            assignee_unit_id: assignee,
            assignee_user_id: None,
            creating_unit_id: coord,
            created_by_user_id: Some(p.coord_user),
            due_at: due,
            listed: self.rng.random_bool(0.05),
            status,
            rule_key: None,
            version: 1,
            created_at: created,
            updated_at: created,
        });
        let boss = (Some(coord), Some(p.coord_user));
        self.task_events(rows, id, status, created, boss, (Some(assignee), worker));
        Ok(())
    }

    /// A task's thread up to its status: created by `boss`, carried out by `work` (unit, user),
    /// a step every 20 hours from `created`.
    fn task_events(
        &mut self,
        rows: &mut Rows,
        id: Uuid,
        status: Ts,
        created: DateTime<Utc>,
        boss: (Option<Uuid>, Option<Uuid>),
        work: (Option<Uuid>, Option<Uuid>),
    ) {
        let mut events = vec![(TaskEventKind::Created, boss, None)];
        match status {
            Ts::Open => {}
            Ts::Cancelled => events.push((TaskEventKind::Cancelled, boss, Some("任务已撤销"))),
            _ => {
                events.push((TaskEventKind::Started, work, None));
                if status != Ts::InProgress {
                    events.push((TaskEventKind::Submitted, work, Some("已按要求办理完毕，报送办理结果。")));
                }
                if status == Ts::Accepted {
                    events.push((TaskEventKind::Accepted, boss, Some("同意办结。")));
                }
            }
        }
        for (n, (kind, (unit, user), body)) in events.into_iter().enumerate() {
            let at = created + Duration::hours(n as i64 * 20);
            let event = self.id(at);
            rows.task_events.push(task_event::Model {
                id: event,
                task_id: id,
                kind,
                actor_user_id: user,
                actor_unit_id: unit,
                body: body.map(str::to_owned),
                created_at: at,
            });
        }
    }

    /// A meeting of the town, held in an earlier month (this month's analysis meeting is still to
    /// hold), with the units that attended, the recording one among them, and its decisions: the
    /// first for all, the others each given to an attending unit with the MEETING_DECISION task
    /// it raised on the meeting. In a town with a discipline commission every tenth meeting is
    /// the commission's, on umbrella leads.
    fn meeting(&mut self, rows: &mut Rows, place: usize, k: usize) -> Result<(), DemoError> {
        let p = &self.places[place];
        let town = &p.town;
        let umbrella = p.full && (k / self.places.len()) % 10 == 9;
        let (recorder, user) = town.actor(if umbrella { U::Jiwei } else { U::Coord })?;
        let kind = if umbrella {
            MeetingKind::JointMeeting
        } else {
            self.pick(&[MeetingKind::MonthlyAnalysis, MeetingKind::JointMeeting, MeetingKind::ThreeLevelJointMeeting])
        };
        let ago = self.rng.random_range(32..365 * YEARS);
        let held = town.ago(ago);
        let id = self.id(held);
        let summary = if umbrella { UMBRELLA_SUMMARY } else { self.pick(MEETING_SUMMARIES) };
        rows.meetings.push(meeting::Model {
            id,
            town_id: town.id,
            kind,
            held_on: town.date(ago),
            summary: summary.to_owned(),
            umbrella,
            recorded_by_unit_id: recorder,
            recorded_by_user_id: user,
            created_at: held,
        });
        let mut units = vec![town.unit(U::Police)?];
        if !umbrella {
            units.push(town.villages[self.rng.random_range(0..town.villages.len())].1);
            if p.full {
                units.push(town.unit(U::Sifa)?);
            }
        }
        let attended =
            units.iter().chain([&recorder]).map(|unit| meeting_unit::Model { meeting_id: id, unit_id: *unit });
        rows.attendees.extend(attended);
        let decisions = self.rng.random_range(1..=3);
        for position in 0..decisions {
            let text = if position == 0 { DECISIONS[0] } else { self.pick(&DECISIONS[1..]) };
            let given = (position > 0).then(|| self.pick(&units));
            let due = held + Duration::days(self.rng.random_range(7..30));
            let task = match given {
                Some(unit) => {
                    let task = self.id(held);
                    let status = self.pick(&[Ts::Open, Ts::InProgress, Ts::Submitted, Ts::Accepted, Ts::Accepted]);
                    rows.tasks.push(task::Model {
                        id: task,
                        town_id: town.id,
                        title: crate::graphql::meeting::decision_title(kind),
                        description: Some(text.to_owned()),
                        kind: Tk::MeetingDecision,
                        target_type: Some(TaskTargetType::Meeting),
                        target_id: Some(id),
                        assignee_unit_id: unit,
                        assignee_user_id: None,
                        creating_unit_id: recorder,
                        created_by_user_id: Some(user),
                        due_at: due,
                        listed: false,
                        status,
                        rule_key: None,
                        version: 1,
                        created_at: held,
                        updated_at: held,
                    });
                    let worker = town.user(unit).map(|u| u.id);
                    self.task_events(rows, task, status, held, (Some(recorder), Some(user)), (Some(unit), worker));
                    Some(task)
                }
                None => None,
            };
            let decision = self.id(held);
            rows.decisions.push(meeting_decision::Model {
                id: decision,
                meeting_id: id,
                position,
                text: text.to_owned(),
                assignee_unit_id: given,
                due_at: given.map(|_| due),
                task_id: task,
            });
        }
        Ok(())
    }

    /// A lawyer's report of representing a gang case, entered in the judicial office's ledger.
    fn lawyer_report(&mut self, rows: &mut Rows, place: usize) -> Result<(), DemoError> {
        let town = &self.places[place].town;
        let (unit, user) = town.actor(U::Sifa)?;
        let ago = self.rng.random_range(1..365 * YEARS);
        let at = town.ago(ago);
        let id = self.id(at);
        let (law_firm, court) = self.pick(LAWYERS);
        rows.lawyer_reports.push(lawyer_report::Model {
            id,
            town_id: town.id,
            lawyer_name: format!("{}{}", self.pick(SURNAMES), self.pick(GIVEN)),
            law_firm: law_firm.to_owned(),
            case_name: self.pick(CASE_NAMES).to_owned(),
            court: court.to_owned(),
            reported_on: town.date(ago),
            note: None,
            recorded_by_unit_id: unit,
            recorded_by_user_id: user,
            created_at: at,
        });
        Ok(())
    }
}

/// A venue type's 中文 name.
fn venue_label(kind: Vt) -> &'static str {
    let value = kind.to_value();
    let labels = crate::labels::lookup("VenueType").unwrap_or_default();
    labels.into_iter().find(|(v, _)| value == *v).map_or("场所", |(_, label)| label)
}

/// Inserts rows in statements of at most ~30 000 parameters (below SQLite's and PostgreSQL's
/// limits), `columns` being the table's column count.
async fn seed_chunks<R: Seed>(txn: &impl ConnectionTrait, mut rows: Vec<R>, columns: usize) -> Result<(), DemoError> {
    let per = 30_000 / columns;
    while !rows.is_empty() {
        let rest = rows.split_off(per.min(rows.len()));
        R::seed_all(rows, txn).await?;
        rows = rest;
    }
    Ok(())
}
