//! `pingan town init FILE`: a real town — its offices, villages and first administrator — from a
//! TOML file, in one transaction, with no demo data anywhere. The administrator gets a one-time
//! setup code (printed once) and chooses a password with it on first use; everything else (the
//! other users, more offices and villages) the administrator does in the API.
//!
//! ```toml
//! [town]
//! name = "清河镇"
//!
//! [[offices]]
//! name = "清河镇扫黑办"
//! kind = "COORDINATION_OFFICE"   # also DISCIPLINE_COMMISSION, POLICE_STATION, JUDICIAL_OFFICE
//!
//! [[villages]]
//! name = "东庄村"                 # its village committee unit gets the same name
//!
//! [admin]
//! username = "admin"
//! display_name = "系统管理员"
//! office = "清河镇扫黑办"          # optional: the coordination office by default
//! ```

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context as _, bail, ensure};
use chrono::{DateTime, Utc};
use entity::enums::{Role, UnitKind};
use entity::{app_user, town};
use sea_orm::{ActiveEnum, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::Deserialize;

use crate::auth::setup;
use crate::town as structure;

/// The file `pingan town init` reads.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TownFile {
    pub town: TownSection,
    #[serde(default)]
    pub offices: Vec<OfficeSection>,
    #[serde(default)]
    pub villages: Vec<VillageSection>,
    pub admin: AdminSection,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TownSection {
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeSection {
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VillageSection {
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminSection {
    pub username: String,
    pub display_name: String,
    pub office: Option<String>,
}

/// What `town init` created.
#[derive(Debug)]
pub struct Created {
    pub town: String,
    pub offices: usize,
    pub villages: usize,
    pub admin: String,
    pub setup_code: String,
    pub setup_code_expires: DateTime<Utc>,
}

impl std::fmt::Display for Created {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "created {}: {} offices, {} villages, administrator {}",
            self.town, self.offices, self.villages, self.admin
        )?;
        writeln!(
            f,
            "setup code for {} (shown once; valid until {}):",
            self.admin,
            self.setup_code_expires.format("%Y-%m-%d %H:%M UTC")
        )?;
        writeln!(f, "  {}", self.setup_code)?;
        write!(f, "The administrator sets a password with it (mutation redeemSetupCode), then logs in.")
    }
}

/// Reads and checks a town file.
pub fn read(path: &Path) -> anyhow::Result<TownFile> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text).with_context(|| format!("in {}", path.display()))
}

/// Parses and checks a town file's text.
pub fn parse(text: &str) -> anyhow::Result<TownFile> {
    let file: TownFile = toml::from_str(text)?;
    file.check()?;
    Ok(file)
}

/// The office kinds a town file may name (a village committee comes with its village).
const OFFICE_KINDS: [UnitKind; 4] =
    [UnitKind::CoordinationOffice, UnitKind::DisciplineCommission, UnitKind::PoliceStation, UnitKind::JudicialOffice];

fn office_kind(name: &str) -> anyhow::Result<UnitKind> {
    OFFICE_KINDS.into_iter().find(|k| k.to_value() == name).with_context(|| {
        let kinds: Vec<String> = OFFICE_KINDS.iter().map(|k| k.to_value()).collect();
        format!("office kind {name:?} is not one of {}", kinds.join(", "))
    })
}

fn named(what: &str, name: &str) -> anyhow::Result<()> {
    let trimmed = name.trim();
    ensure!(!trimmed.is_empty(), "{what} needs a name");
    ensure!(trimmed == name, "{what} {name:?} has spaces around its name");
    ensure!(name.chars().count() <= 100, "{what} {name:?} is longer than 100 characters");
    ensure!(!name.chars().any(char::is_control), "{what} {name:?} holds a control character");
    Ok(())
}

impl TownFile {
    fn check(&self) -> anyhow::Result<()> {
        named("the town", &self.town.name)?;
        let mut names = HashSet::new();
        let mut kinds = HashSet::new();
        for office in &self.offices {
            named("an office", &office.name)?;
            let kind = office_kind(&office.kind)?;
            ensure!(kinds.insert(kind.to_value()), "more than one office of kind {}", office.kind);
            ensure!(names.insert(office.name.as_str()), "two units are named {:?}", office.name);
        }
        ensure!(
            kinds.contains(&UnitKind::CoordinationOffice.to_value()),
            "the town needs its coordination office (kind = \"COORDINATION_OFFICE\")"
        );
        for village in &self.villages {
            named("a village", &village.name)?;
            ensure!(names.insert(village.name.as_str()), "two units are named {:?}", village.name);
        }
        named("the administrator's username", &self.admin.username)?;
        named("the administrator's display name", &self.admin.display_name)?;
        if let Some(office) = &self.admin.office {
            ensure!(
                self.offices.iter().any(|o| &o.name == office),
                "the administrator's office {office:?} is not one of the offices"
            );
        }
        Ok(())
    }

    fn admin_office(&self) -> &str {
        match &self.admin.office {
            Some(office) => office,
            None => self
                .offices
                .iter()
                .find(|o| o.kind == UnitKind::CoordinationOffice.to_value())
                .map_or("", |o| o.name.as_str()),
        }
    }
}

/// Creates the town of `file` in one transaction: nothing is written if any step fails. Refused
/// when the town or the administrator's username exists already.
pub async fn init(db: &DatabaseConnection, file: &TownFile) -> anyhow::Result<Created> {
    let (txn, _turn) = crate::db::write(db).await?;
    if town::Entity::find().filter(town::Column::Name.eq(&file.town.name)).one(&txn).await?.is_some() {
        bail!("a town named {} exists already", file.town.name);
    }
    if app_user::Entity::find().filter(app_user::Column::Username.eq(&file.admin.username)).one(&txn).await?.is_some() {
        bail!("the username {} is taken", file.admin.username);
    }
    let town_id = structure::insert_town(&txn, &file.town.name).await?;
    let mut admin_unit = None;
    for office in &file.offices {
        let id = structure::insert_office(&txn, town_id, &office.name, office_kind(&office.kind)?).await?.id;
        if office.name == file.admin_office() {
            admin_unit = Some(id);
        }
    }
    for village in &file.villages {
        structure::insert_village(&txn, town_id, &village.name).await?;
    }
    let admin = structure::NewUser {
        town_id,
        unit_id: admin_unit.context("the administrator's office was not created")?,
        username: &file.admin.username,
        display_name: &file.admin.display_name,
        role: Role::Admin,
        password_hash: app_user::NO_PASSWORD,
    };
    let admin_id = structure::insert_user(&txn, admin).await?;
    let now = Utc::now();
    let setup_code = setup::issue(&txn, admin_id, now).await?;
    txn.commit().await?;
    Ok(Created {
        town: file.town.name.clone(),
        offices: file.offices.len(),
        villages: file.villages.len(),
        admin: file.admin.username.clone(),
        setup_code,
        setup_code_expires: setup::expiry(now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
        [town]
        name = "清河镇"
        [[offices]]
        name = "清河镇扫黑办"
        kind = "COORDINATION_OFFICE"
        [[offices]]
        name = "清河派出所"
        kind = "POLICE_STATION"
        [[villages]]
        name = "东庄村"
        [admin]
        username = "admin"
        display_name = "系统管理员"
    "#;

    fn refused(text: &str, needle: &str) {
        let err = format!("{:#}", parse(text).expect_err(needle));
        assert!(err.contains(needle), "{err:?} should name {needle:?}");
    }

    #[test]
    fn a_town_file_names_its_offices_villages_and_administrator() {
        let file = parse(GOOD).unwrap();
        assert_eq!(file.admin_office(), "清河镇扫黑办");
        assert_eq!(file.villages.len(), 1);
    }

    #[test]
    fn mistakes_in_a_town_file_are_named() {
        refused(&GOOD.replace("POLICE_STATION", "POLICE"), "\"POLICE\" is not one of");
        refused(&GOOD.replace("POLICE_STATION", "COORDINATION_OFFICE"), "more than one office");
        refused(&GOOD.replace("清河派出所", "清河镇扫黑办"), "two units are named");
        refused(&GOOD.replace("东庄村", "清河派出所"), "two units are named");
        refused(&GOOD.replace("kind = \"COORDINATION_OFFICE\"", "kind = \"JUDICIAL_OFFICE\""), "coordination office");
        refused(&GOOD.replace("display_name", "displayname"), "unknown field");
        refused(&GOOD.replace("username = \"admin\"", "username = \" \""), "username");
        refused(&format!("{GOOD}office = \"镇政府\"\n"), "is not one of the offices");
    }
}
