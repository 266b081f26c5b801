//! Objects resolved field after field, in place: [`Flat`] for one object, [`Rows`] for a list.
//!
//! async-graphql resolves an object's fields concurrently: a boxed future per field, polled in a
//! `FuturesUnordered` per object. Rows of a page and their children are the bulk of every
//! answer, and their fields are plain values or relations the page loaded beforehand (a cache
//! hit), so that machinery was most of the server's work per field. Here the fields of an
//! object are awaited one after another in the object's own future, by the same generated
//! `resolve_field` the library calls: the same resolvers, the same group checks, the same errors
//! (`add_error` with the field's path, exactly as the library's container does). The rows of a
//! list still resolve concurrently, so a relation nobody loaded beforehand is still one batch for
//! the whole list. A selection this loop does not handle (a fragment, a directive, an extension
//! that wraps each field) goes the library's own way.
//!
//! The schema is unchanged: `Flat<T>` is the type `T`, `Rows<T>` the type `[T!]!`.

use std::borrow::Cow;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::ContainerType;
use async_graphql::{ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value};

/// One object of type `T`, resolved field after field.
pub struct Flat<T>(pub T);

/// A list of objects of type `T`, each resolved field after field, the rows concurrently.
pub struct Rows<T>(pub Vec<T>);

impl<T> FromIterator<T> for Rows<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl<T: OutputType + ContainerType> OutputType for Flat<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<Value> {
        resolve_object(&self.0, ctx, field).await
    }
}

impl<T: OutputType + ContainerType> OutputType for Rows<T> {
    fn type_name() -> Cow<'static, str> {
        <Vec<T> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<T> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<T> as OutputType>::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<Value> {
        if !flat(ctx) {
            return async_graphql::resolver_utils::resolve_list(ctx, field, &self.0, Some(self.0.len())).await;
        }
        let rows = self.0.iter().enumerate().map(|(index, row)| async move {
            let ctx_row = ctx.with_index(index);
            resolve_fields(row, &ctx_row).await.map_err(|err| ctx_row.set_error_path(err))
        });
        Ok(Value::List(futures_util::future::try_join_all(rows).await?))
    }
}

/// Whether this module's loop resolves the selection: plain fields only. (The schema registers
/// no extension, see `build_schema`: an extension hooking each field would be bypassed here, so
/// one may only be added with this module in mind.)
fn flat(ctx: &ContextSelectionSet<'_>) -> bool {
    ctx.item.node.items.iter().all(|item| match &item.node {
        Selection::Field(field) => field.node.directives.is_empty(),
        _ => false,
    })
}

async fn resolve_object<T: OutputType + ContainerType>(
    root: &T,
    ctx: &ContextSelectionSet<'_>,
    field: &Positioned<Field>,
) -> ServerResult<Value> {
    if flat(ctx) { resolve_fields(root, ctx).await } else { root.resolve(ctx, field).await }
}

/// The fields of `root`, one after another; call it only where [`flat`] holds. What the
/// library's container does per field, in the same order of effects.
async fn resolve_fields<T: OutputType + ContainerType>(root: &T, ctx: &ContextSelectionSet<'_>) -> ServerResult<Value> {
    let mut results: IndexMap<Name, Value> = IndexMap::with_capacity(ctx.item.node.items.len());
    for item in &ctx.item.node.items {
        let Selection::Field(field) = &item.node else { continue };
        let ctx_field = ctx.with_field(field);
        let name = field.node.response_key().node.clone();
        let value = if field.node.name.node == "__typename" {
            Value::String(root.introspection_type_name().into_owned())
        } else {
            match root.resolve_field(&ctx_field).await {
                Ok(value) => value.unwrap_or_default(),
                Err(err) => {
                    ctx.add_error(err);
                    continue;
                }
            }
        };
        insert_value(&mut results, name, value);
    }
    Ok(if results.is_empty() { Value::Null } else { Value::Object(results) })
}

/// A response key selected twice merges its objects, as the library's container does.
/// One lookup of the key: a page's fields are inserted by the thousand.
fn insert_value(target: &mut IndexMap<Name, Value>, name: Name, value: Value) {
    use async_graphql::indexmap::map::Entry;
    let previous = match target.entry(name) {
        Entry::Vacant(entry) => {
            entry.insert(value);
            return;
        }
        Entry::Occupied(entry) => entry.into_mut(),
    };
    match previous {
        Value::Object(previous) => {
            if let Value::Object(object) = value {
                for (key, value) in object {
                    insert_value(previous, key, value);
                }
            }
        }
        Value::List(previous) => {
            if let Value::List(list) = value {
                for (index, value) in list.into_iter().enumerate() {
                    if let (Some(Value::Object(previous)), Value::Object(object)) = (previous.get_mut(index), value) {
                        for (key, value) in object {
                            insert_value(previous, key, value);
                        }
                    }
                }
            }
        }
        _ => {}
    }
}
