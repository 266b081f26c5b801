//! `labels(enum:, locale:)`: the 中文 (or English) names of every enum value, for clients.
//!
//! The names themselves are in `crate::labels`; a test walks the schema and fails when an enum
//! or a value has no label there.

use async_graphql::{Context, Object, SimpleObject};

use super::ContextExt;
use crate::error::ApiError;

/// 显示名称 — one enum value with its display name.
#[derive(SimpleObject)]
pub struct Label {
    /// 枚举值 — the enum value, e.g. `KEY`.
    pub value: String,
    /// 显示名称 — its display name in the locale asked for.
    pub label: String,
}

pub use crate::labels::{LABELS, humanize, lookup};

#[derive(Default)]
pub struct LabelQuery;

#[Object]
impl LabelQuery {
    /// 显示名称 — display names for the values of an enum (`locale` "zh-CN", the default, or "en").
    async fn labels(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "enum", desc = "枚举类型 — the enum's name, e.g. `AttentionLevel`.")] enum_name: String,
        #[graphql(desc = "语言 — zh-CN (the default) or en.", default_with = "\"zh-CN\".to_string()")] locale: String,
    ) -> async_graphql::Result<Vec<Label>> {
        // Reference data, but api.md has every operation but login and refresh require a token.
        ctx.viewer()?;
        let english = match locale.as_str() {
            "zh-CN" | "zh" => false,
            "en" | "en-US" => true,
            _ => {
                return Err(ApiError::bad_input(
                    "locale",
                    "locale must be zh-CN or en.",
                    "locale 只能是 zh-CN 或 en。",
                )
                .into());
            }
        };
        let values = lookup(&enum_name)
            .ok_or_else(|| ApiError::bad_input("enum", format!("No enum named {enum_name}."), "没有这个枚举。"))?;
        Ok(values
            .into_iter()
            .map(|(value, zh)| Label {
                value: (*value).to_owned(),
                label: if english { humanize(value) } else { (*zh).to_owned() },
            })
            .collect())
    }
}
