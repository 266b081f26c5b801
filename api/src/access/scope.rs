//! Row scopes as the policy names them: atoms joined by `&`, e.g. `ordinary&received_by_own_unit`.
//!
//! What each atom means for a table is defined by that table's [`super::resource::Resource`]
//! impl; this module only parses and names them.

use std::fmt;
use std::str::FromStr;

/// One condition on a row, relative to the viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Atom {
    /// Any row of the viewer's town.
    Town,
    /// For field groups: every row the viewer may read.
    Row,
    /// The viewer's own user.
    SelfUser,
    /// Rows of the viewer's village (a `VILLAGE` unit's village).
    OwnVillage,
    /// Persons with a judicial tag.
    JudicialTagged,
    /// Persons named as subjects of an umbrella lead of the town.
    UmbrellaSubject,
    ReceivedByOwnUnit,
    AssignedToOwnUnit,
    CreatedByOwnUnit,
    /// Umbrella (保护伞) leads; meetings the discipline commission held on them.
    Umbrella,
    /// Leads that are not umbrella leads; meetings that are not on them.
    Ordinary,
    /// Risk items of category `SOCIAL_CONFLICT`.
    SocialConflict,
    /// Risk items of any other category.
    NotSocialConflict,
    TerritorialOwnUnit,
    SectorOwnUnit,
    /// Tasks whose target is an umbrella lead, or a meeting on umbrella leads (whose decisions
    /// are the discipline commission's alone).
    TargetUmbrellaLead,
    /// Tasks whose target is neither of those (or that have no target).
    TargetNotUmbrellaLead,
    /// Meetings the viewer's unit attended.
    AttendedByOwnUnit,
    /// Audit entries about users, org units and policy.
    Administration,
    /// Reports of the viewer's own unit.
    OwnUnit,
    /// Reports of any unit but the discipline commission (its reports are its own alone).
    NotDisciplineCommission,
}

const NAMES: &[(&str, Atom)] = &[
    ("town", Atom::Town),
    ("row", Atom::Row),
    ("self", Atom::SelfUser),
    ("own_village", Atom::OwnVillage),
    ("judicial_tagged", Atom::JudicialTagged),
    ("umbrella_subject", Atom::UmbrellaSubject),
    ("received_by_own_unit", Atom::ReceivedByOwnUnit),
    ("assigned_to_own_unit", Atom::AssignedToOwnUnit),
    ("created_by_own_unit", Atom::CreatedByOwnUnit),
    ("umbrella", Atom::Umbrella),
    ("ordinary", Atom::Ordinary),
    ("social_conflict", Atom::SocialConflict),
    ("not_social_conflict", Atom::NotSocialConflict),
    ("territorial_own_unit", Atom::TerritorialOwnUnit),
    ("sector_own_unit", Atom::SectorOwnUnit),
    ("target_umbrella_lead", Atom::TargetUmbrellaLead),
    ("target_not_umbrella_lead", Atom::TargetNotUmbrellaLead),
    ("administration", Atom::Administration),
    ("attended_by_own_unit", Atom::AttendedByOwnUnit),
    ("own_unit", Atom::OwnUnit),
    ("not_discipline_commission", Atom::NotDisciplineCommission),
];

impl Atom {
    /// Every atom a policy line may name.
    pub fn all() -> impl Iterator<Item = Atom> {
        NAMES.iter().map(|(_, atom)| *atom)
    }

    pub fn name(self) -> &'static str {
        NAMES.iter().find(|(_, a)| *a == self).map(|(n, _)| *n).unwrap_or("?")
    }
}

/// A conjunction of atoms: a row is in the scope when it satisfies every one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope(pub Vec<Atom>);

impl FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let atoms = s
            .split('&')
            .map(|part| {
                let part = part.trim();
                NAMES.iter().find(|(n, _)| *n == part).map(|(_, a)| *a).ok_or_else(|| format!("unknown scope `{part}`"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(atoms))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|a| a.name()).collect();
        f.write_str(&names.join(" & "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_conjunctions_and_reject_unknown_names() {
        let scope: Scope = "ordinary&received_by_own_unit".parse().unwrap();
        assert_eq!(scope.0, vec![Atom::Ordinary, Atom::ReceivedByOwnUnit]);
        assert_eq!(scope.to_string(), "ordinary & received_by_own_unit");
        assert!("everything".parse::<Scope>().is_err());
        for (name, atom) in NAMES {
            assert_eq!(atom.name(), *name);
        }
    }
}
