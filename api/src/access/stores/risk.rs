//! The risk store.
