//! `createPerson`'s checks, shared with the ledger import: a validated input and its insert.

use crate::domain::lead_flow;
use async_graphql::Context;
use chrono::{NaiveDate, Utc};
use entity::enums::{
    AttentionLevel, Gender, JudicialTag, LevelChangeKind, LevelChangeStatus, PersonCategory, RecordStatus, Role,
};
use entity::{person, person_judicial_tag};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::mutation::{CreatePersonInput, JudicialTagInput, conflict_duplicate};
use crate::access::stores::person::write::{self, NewLevelChange};
use crate::auth::Viewer;
use crate::domain::validate;
use crate::error::ApiError;
use crate::graphql::refs::{optional_phone, police_officer, village_in_town};

/// A validated `createPerson` input (the mutation and the ledger import share it).
pub(crate) struct NewPerson {
    name: String,
    pub(crate) id_number: String,
    village_id: Uuid,
    attention_level: AttentionLevel,
    categories: Vec<PersonCategory>,
    gender: Gender,
    birth_date: NaiveDate,
    phone: Option<String>,
    address: Option<String>,
    pub(super) tags: Vec<person_judicial_tag::Model>,
    responsible_officer_id: Option<Uuid>,
    notes: Option<String>,
    /// Used only should the judicial office ask for a link.
    pub(super) link_reason: Option<String>,
}

impl NewPerson {
    pub(crate) async fn validate(
        ctx: &Context<'_>,
        viewer: &Viewer,
        input: CreatePersonInput,
        judicial_only: bool,
    ) -> Result<Self, ApiError> {
        let name = validate::text("input.name", &input.name, 50)?;
        let id_number = input.id_number.trim().to_uppercase();
        let facts = validate::national_id("input.idNumber", &id_number, lead_flow::today())?;
        if input.gender.is_some_and(|g| g != facts.gender) {
            return Err(ApiError::bad_input(
                "input.gender",
                "The gender does not agree with the national ID number.",
                "性别与身份证号不符。",
            ));
        }
        if input.birth_date.is_some_and(|d| d.0 != facts.birth_date) {
            return Err(ApiError::bad_input(
                "input.birthDate",
                "The birth date does not agree with the national ID number.",
                "出生日期与身份证号不符。",
            ));
        }
        let village_id = village_in_town(ctx, viewer, "input.villageId", &input.village_id).await?;
        let categories = categories("input.categories", &input.categories)?;
        let phone = optional_phone("input.phone", input.phone.as_deref())?;
        let address = match &input.address {
            Some(a) => non_empty(validate::optional_text("input.address", a, 200)?),
            None => None,
        };
        let tags = judicial_tags(viewer, input.judicial_tags.unwrap_or_default())?;
        if judicial_only && tags.is_empty() {
            return Err(ApiError::bad_input(
                "input.judicialTags",
                "The judicial office lists persons with a judicial tag.",
                "司法所登记的人员须有司法标签。",
            ));
        }
        let notes = match &input.notes {
            Some(_) if judicial_only => {
                return Err(ApiError::bad_input(
                    "input.notes",
                    "Only the police station writes investigative notes.",
                    "只有派出所可以填写侦查备注。",
                ));
            }
            Some(n) => non_empty(validate::optional_text("input.notes", n, 4000)?),
            None => None,
        };
        let link_reason = match &input.link_reason {
            Some(r) => non_empty(validate::optional_text("input.linkReason", r, 500)?),
            None => None,
        };
        let responsible_officer_id = match &input.responsible_officer_id {
            Some(id) => Some(police_officer(ctx, viewer, "input.responsibleOfficerId", id).await?),
            None if viewer.role == Role::Police => Some(viewer.user_id),
            None => None,
        };
        Ok(Self {
            name,
            id_number,
            village_id,
            attention_level: input.attention_level,
            categories,
            gender: facts.gender,
            birth_date: facts.birth_date,
            phone,
            address,
            tags,
            responsible_officer_id,
            notes,
            link_reason,
        })
    }

    /// Inserts the person: a dossier, or with `link_of` a provisional record of that dossier.
    pub(crate) async fn insert(
        &self,
        txn: &impl ConnectionTrait,
        viewer: &Viewer,
        link_of: Option<Uuid>,
    ) -> Result<Uuid, ApiError> {
        let now = Utc::now();
        let today = crate::domain::lead_flow::today();
        let id = Uuid::now_v7();
        let row = person::Model {
            id,
            town_id: viewer.town_id,
            village_id: self.village_id,
            name: self.name.clone(),
            gender: self.gender,
            birth_date: self.birth_date,
            id_number: self.id_number.clone(),
            phone: self.phone.clone(),
            address: self.address.clone(),
            attention_level: self.attention_level,
            level_since: today,
            responsible_officer_id: self.responsible_officer_id,
            listed_at: today,
            status: RecordStatus::Active,
            notes: self.notes.clone(),
            created_by_unit_id: viewer.unit_id,
            link_of_person_id: link_of,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        // Two creations of the same ID number at once: a unique index decides (for a
        // provisional record, the one of its dossier), with the same answer either way.
        if !write::insert(txn, row).await? {
            return Err(conflict_duplicate());
        }
        write::set_categories(txn, id, &self.categories).await?;
        write::add_tags(txn, viewer, id, &self.tags).await?;
        let initial = NewLevelChange {
            person: id,
            kind: LevelChangeKind::Initial,
            status: LevelChangeStatus::Applied,
            from_level: None,
            to_level: Some(self.attention_level),
            reason: "列管".to_owned(),
            by: Some((viewer.user_id, viewer.unit_id)),
        };
        write::insert_change(txn, initial).await?;
        Ok(id)
    }
}

pub(super) fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

pub(super) fn categories(field: &str, categories: &[PersonCategory]) -> Result<Vec<PersonCategory>, ApiError> {
    let mut unique: Vec<PersonCategory> = Vec::new();
    for c in categories {
        if !unique.contains(c) {
            unique.push(*c);
        }
    }
    if unique.is_empty() {
        return Err(ApiError::bad_input(field, "Give at least one category.", "至少选择一个类别。"));
    }
    Ok(unique)
}

fn judicial_tags(viewer: &Viewer, tags: Vec<JudicialTagInput>) -> Result<Vec<person_judicial_tag::Model>, ApiError> {
    let today = crate::domain::lead_flow::today();
    let mut out: Vec<person_judicial_tag::Model> = Vec::new();
    for (i, t) in tags.into_iter().enumerate() {
        let field = format!("input.judicialTags.{i}");
        match t.tag {
            JudicialTag::ReleasedPrisoner => match t.release_date {
                Some(d) if d.0 <= today => {}
                Some(_) => {
                    return Err(ApiError::bad_input(
                        format!("{field}.releaseDate"),
                        "This date is in the future.",
                        "日期不能晚于今天。",
                    ));
                }
                None => {
                    return Err(ApiError::bad_input(
                        format!("{field}.releaseDate"),
                        "Give the release date.",
                        "请填写释放日期。",
                    ));
                }
            },
            JudicialTag::CommunityCorrection => {
                if t.correction_end_date.is_none() {
                    return Err(ApiError::bad_input(
                        format!("{field}.correctionEndDate"),
                        "Give the date correction ends.",
                        "请填写矫正期满日期。",
                    ));
                }
            }
        }
        if out.iter().any(|o| o.tag == t.tag) {
            return Err(ApiError::bad_input(field, "Each tag may be given once.", "同一标签只能填写一次。"));
        }
        out.push(person_judicial_tag::Model {
            id: Uuid::now_v7(),
            person_id: Uuid::nil(),
            tag: t.tag,
            release_date: t.release_date.map(NaiveDate::from),
            correction_end_date: t.correction_end_date.map(NaiveDate::from),
            added_by_unit_id: viewer.unit_id,
            created_at: Utc::now(),
        });
    }
    Ok(out)
}
