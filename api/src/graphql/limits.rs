//! The alias count, checked when the pipeline admits a document (`pipeline::admit`). Depth,
//! complexity and recursion are async-graphql's own limits (see `graphql::build_schema`); batch
//! size is checked by the HTTP handler.

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet};

/// How many aliases a document uses, in its operations and fragments (each counted once: the
/// selection limit bounds how often fragments expand).
pub fn count_aliases(document: &ExecutableDocument) -> usize {
    let operations: usize = match &document.operations {
        DocumentOperations::Single(op) => in_set(&op.node.selection_set.node),
        DocumentOperations::Multiple(ops) => ops.values().map(|op| in_set(&op.node.selection_set.node)).sum(),
    };
    let fragments: usize = document.fragments.values().map(|f| in_set(&f.node.selection_set.node)).sum();
    operations + fragments
}

fn in_set(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => usize::from(field.node.alias.is_some()) + in_set(&field.node.selection_set.node),
            Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn aliases_are_counted_at_every_level_and_in_fragments() {
        let doc =
            async_graphql::parser::parse_query("query { a: me { b: id } ...F } fragment F on Query { c: me { id } }")
                .unwrap();
        assert_eq!(super::count_aliases(&doc), 3);
    }
}
