//! Row scopes named in `policy/policy.csv`, and the SQL conditions they become.
//!
//! Every condition is within the viewer's town; a scope only narrows it further.

use std::str::FromStr;

use crate::auth::Viewer;
use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef};
use sea_orm::{ColumnTrait, Condition};

/// A named row scope of the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every row of the viewer's town.
    Town,
    /// The viewer's own record (users).
    SelfOnly,
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "town" => Ok(Self::Town),
            "self" => Ok(Self::SelfOnly),
            other => Err(format!("unknown scope `{other}`")),
        }
    }
}

/// The columns a scope may refer to on one table.
pub struct Columns<C> {
    pub id: C,
    pub town: C,
}

/// The condition for rows of a table within any of `scopes`; matches nothing when `scopes` is
/// empty, so a missing grant can never read as "everything".
pub fn condition<C>(viewer: &Viewer, scopes: &[Scope], cols: Columns<C>) -> Condition
where
    C: ColumnTrait + IntoColumnRef + Copy,
{
    let mut any = Condition::any();
    for scope in scopes {
        any = any.add(match scope {
            Scope::Town => Condition::all().add(cols.town.eq(viewer.town_id)),
            Scope::SelfOnly => Condition::all()
                .add(cols.town.eq(viewer.town_id))
                .add(cols.id.eq(viewer.user_id)),
        });
    }
    if scopes.is_empty() {
        // `Condition::any()` with no terms renders as TRUE in some builders; be explicit.
        any = any.add(Expr::val(1).eq(0));
    }
    any
}
