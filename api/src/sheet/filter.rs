//! A list's GraphQL filter read from URL query parameters, so an export takes exactly the
//! filters of its list (`?attentionLevel=KEY&attentionLevel=SPECIAL&listedFrom=2024-01-01`).
//!
//! The parameter names and types come from the filter's own GraphQL definition: a list field
//! takes the parameter repeated or comma-separated, `Boolean` takes `true`/`false`, anything
//! else is given as text and parsed by the type itself (enums by name, `Date`, `ID`).

use async_graphql::registry::{MetaType, Registry};
use async_graphql::{InputType, Value};

use crate::error::ApiError;

/// Parses `params` into the filter `F`; a parameter `F` does not have, or a value its type does
/// not take, is a `BAD_USER_INPUT` naming the parameter.
pub fn parse<F: InputType + Default>(params: &[(String, String)]) -> Result<F, ApiError> {
    let mut registry = Registry::default();
    F::create_type_info(&mut registry);
    let Some(MetaType::InputObject { input_fields, .. }) = registry.types.get(F::type_name().as_ref()) else {
        return Err(ApiError::internal(anyhow::anyhow!("{} is not an input object", F::type_name())));
    };
    let mut fields = serde_json::Map::new();
    for (key, raw) in params {
        let bad = || ApiError::bad_input(key.as_str(), "This filter value is not valid.", "筛选条件取值无效。");
        if raw.contains('\0') {
            return Err(bad());
        }
        let field = input_fields
            .get(key)
            .ok_or_else(|| ApiError::bad_input(key.as_str(), "There is no such filter.", "没有这个筛选条件。"))?;
        let ty = field.ty.trim_end_matches('!');
        let value = match ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            Some(item) => {
                let mut items = match fields.remove(key) {
                    Some(serde_json::Value::Array(items)) => items,
                    _ => Vec::new(),
                };
                for part in raw.split(',').filter(|p| !p.trim().is_empty()) {
                    items.push(scalar(item.trim_end_matches('!'), part.trim()).ok_or_else(bad)?);
                }
                serde_json::Value::Array(items)
            }
            None if fields.contains_key(key) => {
                return Err(ApiError::bad_input(key.as_str(), "Give this filter once.", "此筛选条件只能给一次。"));
            }
            None => scalar(ty, raw.trim()).ok_or_else(bad)?,
        };
        // Each parameter is parsed alone first, so an error names the parameter that caused it.
        let alone = serde_json::json!({ key.as_str(): value.clone() });
        F::parse(Some(Value::from_json(alone).map_err(|_| bad())?)).map_err(|_| bad())?;
        fields.insert(key.clone(), value);
    }
    let all = Value::from_json(serde_json::Value::Object(fields)).map_err(ApiError::internal)?;
    F::parse(Some(all)).map_err(|e| {
        ApiError::bad_input("filter", e.into_server_error(Default::default()).message, "筛选条件取值无效。")
    })
}

/// One value of a GraphQL scalar or enum type as JSON; `None` when it cannot be one.
fn scalar(ty: &str, raw: &str) -> Option<serde_json::Value> {
    match ty {
        "Boolean" => match raw {
            "true" => Some(true.into()),
            "false" => Some(false.into()),
            _ => None,
        },
        "Int" => raw.parse::<i64>().ok().map(Into::into),
        _ => Some(raw.into()),
    }
}
