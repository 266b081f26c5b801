//! Opaque global ids (Relay): base64url of `Type:uuid`, so `node(id:)` knows the type.
//!
//! A malformed id, or an id of another type, is answered exactly like an id that names no row.

use async_graphql::ID;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

/// The record types that have global ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    OrgUnit,
    Village,
    Town,
    Person,
    Talk,
    Incident,
    AuditEntry,
    LevelChange,
    Assessment,
    Measure,
    Venue,
    Inspection,
    VenueIncident,
    Lead,
    RiskItem,
    Task,
    Meeting,
    LawyerReport,
    VenuePenalty,
    BoardPublication,
    PlanRevision,
    Drill,
    WeeklyUpdate,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::OrgUnit => "OrgUnit",
            Kind::Village => "Village",
            Kind::Town => "Town",
            Kind::Person => "Person",
            Kind::Talk => "Talk",
            Kind::Incident => "Incident",
            Kind::AuditEntry => "AuditEntry",
            Kind::LevelChange => "LevelChange",
            Kind::Assessment => "Assessment",
            Kind::Measure => "Measure",
            Kind::Venue => "Venue",
            Kind::Inspection => "Inspection",
            Kind::VenueIncident => "VenueIncident",
            Kind::Lead => "Lead",
            Kind::RiskItem => "RiskItem",
            Kind::Task => "Task",
            Kind::Meeting => "Meeting",
            Kind::LawyerReport => "LawyerReport",
            Kind::VenuePenalty => "VenuePenalty",
            Kind::BoardPublication => "BoardPublication",
            Kind::PlanRevision => "PlanRevision",
            Kind::Drill => "Drill",
            Kind::WeeklyUpdate => "WeeklyUpdate",
        }
    }

    const ALL: [Kind; 24] = [
        Kind::User,
        Kind::OrgUnit,
        Kind::Village,
        Kind::Town,
        Kind::Person,
        Kind::Talk,
        Kind::Incident,
        Kind::AuditEntry,
        Kind::LevelChange,
        Kind::Assessment,
        Kind::Measure,
        Kind::Venue,
        Kind::Inspection,
        Kind::VenueIncident,
        Kind::Lead,
        Kind::RiskItem,
        Kind::Task,
        Kind::Meeting,
        Kind::LawyerReport,
        Kind::VenuePenalty,
        Kind::BoardPublication,
        Kind::PlanRevision,
        Kind::Drill,
        Kind::WeeklyUpdate,
    ];
}

impl Kind {
    /// The kind whose name is `name` (an audit entry's object type), if any.
    pub fn named(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// The global id of a record.
pub fn encode(kind: Kind, id: Uuid) -> ID {
    // `Kind:uuid` in a buffer on the stack: every row of a page writes one or more ids.
    let name = kind.name().as_bytes();
    let mut raw = [0u8; 64];
    let len = name.len() + 1 + uuid::fmt::Hyphenated::LENGTH;
    raw[..name.len()].copy_from_slice(name);
    raw[name.len()] = b':';
    id.hyphenated().encode_lower(&mut raw[name.len() + 1..len]);
    ID(URL_SAFE_NO_PAD.encode(&raw[..len]))
}

/// The type and uuid behind a global id, if it is well formed.
pub fn decode(id: &ID) -> Option<(Kind, Uuid)> {
    let raw = URL_SAFE_NO_PAD.decode(id.as_str()).ok()?;
    let text = std::str::from_utf8(&raw).ok()?;
    let (name, uuid) = text.split_once(':')?;
    let kind = Kind::ALL.into_iter().find(|k| k.name() == name)?;
    Some((kind, Uuid::parse_str(uuid).ok()?))
}

/// The uuid behind a global id of `kind`, if it is one.
pub fn decode_as(id: &ID, kind: Kind) -> Option<Uuid> {
    decode(id).and_then(|(k, uuid)| (k == kind).then_some(uuid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_type() {
        let uuid = Uuid::now_v7();
        let id = encode(Kind::OrgUnit, uuid);
        assert_eq!(decode(&id), Some((Kind::OrgUnit, uuid)));
        assert_eq!(decode_as(&id, Kind::User), None);
        assert_eq!(decode(&ID("not-an-id".into())), None);
        for kind in Kind::ALL {
            let expected = URL_SAFE_NO_PAD.encode(format!("{}:{}", kind.name(), uuid));
            assert_eq!(encode(kind, uuid).0, expected);
            assert_eq!(decode(&encode(kind, uuid)), Some((kind, uuid)));
        }
    }
}
