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
use std::sync::Arc;

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
        let shape = Shapes::of(ctx);
        let shape = shape.as_deref();
        // `try_join_all` keeps up to 30 futures in one allocation and polls them in place; past
        // that it gives every future a task of its own (an allocation, a copy of the future, a
        // waker), which was a few percent of a page of 50. So the rows go in chunks of 30,
        // joined the same way.
        let chunks = self.0.chunks(ROWS_IN_PLACE).enumerate().map(|(chunk, rows)| {
            let first = chunk * ROWS_IN_PLACE;
            futures_util::future::try_join_all(
                rows.iter().enumerate().map(move |(i, row)| resolve_row(row, ctx, first + i, shape)),
            )
        });
        let mut values = Vec::with_capacity(self.0.len());
        for chunk in futures_util::future::try_join_all(chunks).await? {
            values.extend(chunk);
        }
        Ok(Value::List(values))
    }
}

/// The row at `index` of a list, the index in the path of its errors.
async fn resolve_row<T: OutputType + ContainerType>(
    row: &T,
    ctx: &ContextSelectionSet<'_>,
    index: usize,
    shape: Option<&Shape>,
) -> ServerResult<Value> {
    let ctx = ctx.with_index(index);
    let value = match shape {
        Some(shape) => shape.resolve(row, &ctx).await,
        None => resolve_fields(row, &ctx).await,
    };
    value.map_err(|err| ctx.set_error_path(err))
}

/// The most futures `futures_util::future::try_join_all` keeps in place (its `SMALL`).
const ROWS_IN_PLACE: usize = 30;

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
        let Some(value) = field_value(root, ctx, field).await else { continue };
        let name = field.node.response_key().node.clone();
        insert_value(&mut results, name, value);
    }
    Ok(if results.is_empty() { Value::Null } else { Value::Object(results) })
}

/// The object every row of a list starts from: the selection's response keys in order, each
/// with a placeholder. A response map hashes each key it takes, with a hasher of its own, so a
/// page's rows hashed the same few keys by the thousand; a row's map is now a copy of this one,
/// hashes included, and its values are set by position. Only for a selection whose response
/// keys are all different (no merging, see [`insert_value`]) and at most 64 of them.
pub struct Shape {
    template: IndexMap<Name, Value>,
}

impl Shape {
    fn of(ctx: &ContextSelectionSet<'_>) -> Option<Self> {
        let items = &ctx.item.node.items;
        if items.len() > 64 {
            return None;
        }
        let mut template = IndexMap::with_capacity(items.len());
        for item in items {
            let Selection::Field(field) = &item.node else { return None };
            if template.insert(field.node.response_key().node.clone(), Value::Null).is_some() {
                return None;
            }
        }
        Some(Self { template })
    }

    /// Whether the selection's response keys are this shape's, in order.
    fn fits(&self, ctx: &ContextSelectionSet<'_>) -> bool {
        let items = &ctx.item.node.items;
        items.len() == self.template.len()
            && items.iter().zip(self.template.keys()).all(|(item, key)| match &item.node {
                Selection::Field(field) => field.node.response_key().node == *key,
                _ => false,
            })
    }

    /// [`resolve_fields`] for a selection that has this shape: the same values, errors and order.
    async fn resolve<T: OutputType + ContainerType>(
        &self,
        root: &T,
        ctx: &ContextSelectionSet<'_>,
    ) -> ServerResult<Value> {
        let mut results = self.template.clone();
        let mut failed = 0u64;
        for (index, item) in ctx.item.node.items.iter().enumerate() {
            let Selection::Field(field) = &item.node else { unreachable!("a shape holds fields only") };
            let Some(value) = field_value(root, ctx, field).await else {
                failed |= 1 << index;
                continue;
            };
            if let Some((_, slot)) = results.get_index_mut(index) {
                *slot = value;
            }
        }
        // A field that failed has no key, as in the library's container; the others keep their
        // order.
        for index in (0..results.len()).rev() {
            if failed & (1 << index) != 0 {
                results.shift_remove_index(index);
            }
        }
        Ok(if results.is_empty() { Value::Null } else { Value::Object(results) })
    }
}

/// The shapes of a request's lists, kept for the request (`pipeline::Operation` puts them in
/// every request): the talks under each of 50 persons are the same selection every time, and
/// building a shape for three rows cost what it saved. (A single object takes no shape: copying
/// one costs more than hashing the few keys of a village or an officer.) By the
/// selection's address in the request's document, which outlives the request's resolution and
/// does not change during it; a kept shape is used only where its keys are the selection's.
#[derive(Default)]
pub struct Shapes(std::sync::Mutex<Vec<(usize, Arc<Shape>)>>);

impl Shapes {
    /// The most shapes a request keeps; past them, a list builds its own.
    const KEPT: usize = 32;

    /// The shape of a list's selection: kept for the request, or built now.
    fn of(ctx: &ContextSelectionSet<'_>) -> Option<Arc<Shape>> {
        let Some(shapes) = ctx.data_opt::<Shapes>() else { return Shape::of(ctx).map(Arc::new) };
        let at = std::ptr::from_ref(ctx.item) as usize;
        let mut kept = shapes.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, shape)) = kept.iter().find(|(kept_at, shape)| *kept_at == at && shape.fits(ctx)) {
            return Some(shape.clone());
        }
        let shape = Arc::new(Shape::of(ctx)?);
        if kept.len() < Self::KEPT {
            kept.retain(|(kept_at, _)| *kept_at != at);
            kept.push((at, shape.clone()));
        }
        Some(shape)
    }
}

/// The value of one field of `root`, as the library's container resolves it; `None`, with the
/// error added to the answer, when the field failed (its key is then left out).
async fn field_value<T: OutputType + ContainerType>(
    root: &T,
    ctx: &ContextSelectionSet<'_>,
    field: &Positioned<Field>,
) -> Option<Value> {
    if field.node.name.node == "__typename" {
        return Some(Value::String(root.introspection_type_name().into_owned()));
    }
    match root.resolve_field(&ctx.with_field(field)).await {
        Ok(value) => Some(value.unwrap_or_default()),
        Err(err) => {
            ctx.add_error(err);
            None
        }
    }
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

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};

    use super::{Flat, Rows, Shapes};

    fn odd(n: i32) -> async_graphql::Result<i32> {
        if n % 2 == 1 { Err("odd".into()) } else { Ok(n) }
    }

    struct Item(i32);

    #[Object]
    impl Item {
        async fn n(&self) -> i32 {
            self.0
        }
        async fn name(&self) -> String {
            format!("item \"{}\"", self.0)
        }
        async fn odd(&self) -> async_graphql::Result<i32> {
            odd(self.0)
        }
        async fn maybe_odd(&self) -> async_graphql::Result<Option<i32>> {
            odd(self.0).map(|_| None)
        }
        async fn lib_child(&self) -> Option<Leaf> {
            (self.0 < 2).then(|| Leaf::new(self.0 + 11))
        }
        /// `libChild` resolved by this module.
        async fn our_child(&self) -> Option<Flat<Leaf>> {
            (self.0 < 2).then(|| Flat(Leaf::new(self.0 + 11)))
        }
        async fn lib_kids(&self) -> Vec<Leaf> {
            (0..self.0 % 4).map(|k| Leaf::new(self.0 * 10 + k)).collect()
        }
        /// `libKids` resolved by this module: the same selection under every row, so the
        /// request's kept shape is used from the second row on.
        async fn our_kids(&self) -> Rows<Leaf> {
            (0..self.0 % 4).map(|k| Leaf::new(self.0 * 10 + k)).collect()
        }
    }

    #[derive(async_graphql::SimpleObject)]
    #[graphql(complex)]
    struct Leaf {
        n: i32,
        name: String,
    }

    impl Leaf {
        fn new(n: i32) -> Self {
            Self { n, name: format!("leaf {n}") }
        }
    }

    #[async_graphql::ComplexObject]
    impl Leaf {
        async fn odd(&self) -> async_graphql::Result<i32> {
            odd(self.n)
        }
    }

    struct Root;

    #[Object]
    impl Root {
        async fn rows(&self, n: i32) -> Rows<Item> {
            (0..n).map(Item).collect()
        }
        async fn list(&self, n: i32) -> Vec<Item> {
            (0..n).map(Item).collect()
        }
    }

    /// `Rows` and `Flat` answer every selection as the library's lists and objects do: values,
    /// key order, errors and their paths, whether or not the selection takes the shaped path,
    /// with the request's kept shapes and without.
    #[tokio::test]
    async fn rows_answer_every_selection_as_the_librarys_lists() {
        let schema = Schema::new(Root, EmptyMutation, EmptySubscription);
        let selections = [
            "n name",
            "name n c: child { n name }",
            "odd n",
            "n maybeOdd name",
            "a: n b: name c: n",
            "n n name",
            "n name n",
            "n ... on Item { name }",
            "__typename n odd",
            "n name @include(if: true)",
            "maybeOdd",
            "odd",
            "c: child { odd n } n",
            "c: child { n n } c: child { name }",
            "c: child { name n } d: child { n }",
            "n k: kids { n name }",
            "k: kids { odd n } n",
            "a: kids { n } b: kids { name odd } c: kids { n n }",
        ];
        let json = |response: &async_graphql::Response| serde_json::to_string(response).expect("serialises");
        // Lists shorter than a chunk of rows, of one chunk, and longer than one.
        for (selection, n) in selections.into_iter().flat_map(|s| [(s, 0), (s, 4), (s, 30), (s, 31), (s, 95)]) {
            let ours = selection.replace("child", "ourChild").replace("kids", "ourKids");
            let list = selection.replace("child", "libChild").replace("kids", "libKids");
            let ours = format!("{{ items: rows(n: {n}) {{ {ours} }} }}");
            let list = format!("{{ items: list(n: {n}) {{ {list} }} }}");
            let list = schema.execute(list).await;
            let rows = schema.execute(ours.as_str()).await;
            assert_eq!(json(&rows), json(&list), "{selection}, {n} rows");
            let kept = schema.execute(async_graphql::Request::new(ours).data(Shapes::default())).await;
            assert_eq!(json(&kept), json(&list), "{selection}, {n} rows, shapes kept");
        }
    }
}
