//! Users as a list: what an administrator filters its town's users by. Users are not case
//! records, but they page through the one keyset implementation like every list.

use entity::app_user;
use entity::enums::Role;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, Condition, DbBackend};
use uuid::Uuid;

use crate::access::Groups;
use crate::access::page::KeyKind;
use crate::access::resource::Users;
use crate::access::store::{Listed, ROW_ITSELF, SortKey, Store};
use crate::error::ApiError;
use crate::ids::{self, Kind};

/// 用户筛选 — what the user list may be filtered by.
#[derive(async_graphql::InputObject, Default, Clone)]
pub struct UserFilter {
    /// 角色 — users of this role.
    pub role: Option<Role>,
    /// 单位 — users of this org unit.
    pub unit_id: Option<async_graphql::ID>,
    /// 启用 — active or deactivated users.
    pub active: Option<bool>,
    /// 搜索 — part of the username or the display name (case does not matter).
    pub search: Option<String>,
}

/// Users are listed by username.
#[derive(Debug, Clone, Copy, Default)]
pub struct ByUsername;

/// The escape of [`like_literal`]: not a backslash, which SQL dialects treat differently.
pub(crate) const LIKE_ESCAPE: char = '!';

/// `%`, `_` and the escape itself taken literally in a LIKE pattern (escaped with [`LIKE_ESCAPE`]).
pub(crate) fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | LIKE_ESCAPE) {
            out.push(LIKE_ESCAPE);
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl Listed for Users {
    type Filter = UserFilter;
    type Order = ByUsername;

    fn filter(_store: &Store<'_>, _groups: &Groups<Self>, filter: UserFilter) -> Result<Condition, ApiError> {
        // A user has no field groups: whoever reads the row reads all of it.
        let mut cond = Condition::all();
        if let Some(role) = filter.role {
            cond = cond.add(app_user::Column::Role.eq(role));
        }
        if let Some(unit) = &filter.unit_id {
            // An id that is not a unit's matches nothing, like a unit of another town.
            let unit = ids::decode_as(unit, Kind::OrgUnit).unwrap_or_else(Uuid::nil);
            cond = cond.add(app_user::Column::OrgUnitId.eq(unit));
        }
        if let Some(active) = filter.active {
            cond = cond.add(app_user::Column::Active.eq(active));
        }
        if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let pattern = like_literal(&search.to_lowercase());
            let like = |col: app_user::Column| {
                Expr::expr(Func::lower(Expr::col((app_user::Entity, col))))
                    .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape(LIKE_ESCAPE))
            };
            cond = cond
                .add(Condition::any().add(like(app_user::Column::Username)).add(like(app_user::Column::DisplayName)));
        }
        Ok(cond)
    }

    fn sort_key(_order: ByUsername, _backend: DbBackend) -> SortKey {
        SortKey {
            expr: Expr::col((app_user::Entity, app_user::Column::Username)),
            kind: KeyKind::Text,
            group: ROW_ITSELF,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(super::like_literal("a%b_c!"), "%a!%b!_c!!%");
    }
}
