//! The access layer: the one place that decides what a viewer may see and do.
//!
//! The casbin enforcer is built once at start from `policy/model.conf` and `policy/policy.csv`
//! (compiled into the binary, so a deployed server always runs the policy it was tested with).
//! Per request the work is lookups: [`Access::can`] asks the enforcer whether a role may perform
//! an action on a resource, and [`Access::scopes`] returns the row scopes the policy grants,
//! which `scope.rs` turns into SQL conditions. A resource or action without a policy line is
//! denied. This module never reads case data itself and never widens a scope.

pub mod scope;

use std::collections::HashMap;

use casbin::prelude::*;
use entity::enums::Role;

use crate::auth::Viewer;
pub use scope::Scope;

/// The policy files, as committed.
pub const MODEL: &str = include_str!("../../../policy/model.conf");
pub const POLICY: &str = include_str!("../../../policy/policy.csv");

/// The shared enforcer and the scopes it grants, indexed for per-request lookups.
pub struct Access {
    enforcer: Enforcer,
    scopes: HashMap<(String, String, String), Vec<Scope>>,
}

impl Access {
    /// Loads the committed policy. Fails on a policy line whose scope the code does not know,
    /// so a typo in `policy.csv` stops the server instead of silently denying (or granting).
    pub async fn load() -> anyhow::Result<Self> {
        let model = DefaultModel::from_str(MODEL).await?;
        let enforcer = Enforcer::new(model, StringAdapter::new(POLICY)).await?;
        let mut scopes: HashMap<(String, String, String), Vec<Scope>> = HashMap::new();
        for rule in enforcer.get_policy() {
            let [role, obj, act, scope] = rule.as_slice() else {
                anyhow::bail!("policy line {rule:?} must have four fields");
            };
            let scope = scope
                .parse::<Scope>()
                .map_err(|e| anyhow::anyhow!("policy line {rule:?}: {e}"))?;
            scopes
                .entry((role.clone(), obj.clone(), act.clone()))
                .or_default()
                .push(scope);
        }
        Ok(Self { enforcer, scopes })
    }

    /// Whether the viewer's role may perform `action` on `resource` on some row.
    pub fn can(&self, viewer: &Viewer, resource: &str, action: &str) -> bool {
        self.enforcer
            .enforce((role_name(viewer.role), resource, action))
            .unwrap_or(false)
    }

    /// The row scopes granted for `action` on `resource` (alternatives: a row in any of them
    /// qualifies). Empty when nothing is granted.
    pub fn scopes(&self, viewer: &Viewer, resource: &str, action: &str) -> &[Scope] {
        if !self.can(viewer, resource, action) {
            return &[];
        }
        self.scopes
            .get(&(
                role_name(viewer.role).to_owned(),
                resource.to_owned(),
                action.to_owned(),
            ))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Every policy line, for the generated access matrix.
    pub fn rules(&self) -> Vec<Vec<String>> {
        self.enforcer.get_policy()
    }
}

/// The policy's name for a role.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Coordinator => "coordinator",
        Role::Discipline => "discipline",
        Role::Police => "police",
        Role::Judicial => "judicial",
        Role::Village => "village",
        Role::Admin => "admin",
    }
}
