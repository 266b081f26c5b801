//! The rules of a town's organisation (domain.md "Organisation"): which role belongs in which
//! kind of unit, and what makes a username or a name.

use entity::enums::{Role, UnitKind};

use super::Invalid;
use super::validate;

/// Longest username.
pub const MAX_USERNAME: usize = 32;
/// Longest display name, unit name or village name.
pub const MAX_NAME: usize = 64;

/// The kind of unit a role's users belong to: each role is named after its unit's kind, and the
/// administrator sits in the coordination office (扫黑办).
pub fn unit_kind_of(role: Role) -> UnitKind {
    match role {
        Role::Coordinator | Role::Admin => UnitKind::CoordinationOffice,
        Role::Discipline => UnitKind::DisciplineCommission,
        Role::Police => UnitKind::PoliceStation,
        Role::Judicial => UnitKind::JudicialOffice,
        Role::Village => UnitKind::Village,
    }
}

/// Whether a user of `role` may belong to a unit of `kind`.
pub fn role_suits(role: Role, kind: UnitKind) -> bool {
    unit_kind_of(role) == kind
}

/// Refuses a role that does not belong in a unit of `kind`, naming `field`.
pub fn check_role_suits(field: &str, role: Role, kind: UnitKind) -> Result<(), Invalid> {
    if role_suits(role, kind) {
        return Ok(());
    }
    Err(Invalid::new(field, "This role does not belong in a unit of this kind.", "该角色与所在单位的类型不符。"))
}

/// A username: 2 to 32 characters of ASCII letters, digits, `_`, `.` and `-` (what is typed at
/// the login prompt of any device). Returns it trimmed.
pub fn username(field: &str, value: &str) -> Result<String, Invalid> {
    let trimmed = value.trim();
    let ok = (2..=MAX_USERNAME).contains(&trimmed.chars().count())
        && trimmed.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(trimmed.to_owned())
    } else {
        Err(Invalid::new(
            field,
            format!("A username has 2 to {MAX_USERNAME} letters, digits, '_', '.' or '-'."),
            format!("用户名应为 2 到 {MAX_USERNAME} 个字母、数字、下划线、点或连字符。"),
        ))
    }
}

/// A display name, unit name or village name: not blank, at most [`MAX_NAME`] characters.
pub fn name(field: &str, value: &str) -> Result<String, Invalid> {
    validate::text(field, value, MAX_NAME)
}

/// The error for a name another unit or village of the town has (or a username anyone has):
/// "taken", and nothing about who has it.
pub fn taken(field: &str) -> Invalid {
    Invalid::new(field, "This name is taken.", "该名称已被使用。")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Iterable;

    #[test]
    fn every_role_has_exactly_one_kind_of_unit() {
        let kinds: Vec<UnitKind> = UnitKind::iter().collect();
        for role in Role::iter() {
            assert_eq!(kinds.iter().filter(|k| role_suits(role, **k)).count(), 1, "{role:?}");
        }
        assert!(role_suits(Role::Admin, UnitKind::CoordinationOffice));
        assert!(!role_suits(Role::Police, UnitKind::Village));
    }

    #[test]
    fn usernames_are_short_plain_ascii() {
        assert_eq!(username("u", " li.wei_2 ").unwrap(), "li.wei_2");
        assert!(username("u", "a").is_err());
        assert!(username("u", "李伟").is_err());
        assert!(username("u", "a b").is_err());
        assert!(username("u", &"a".repeat(33)).is_err());
    }
}
