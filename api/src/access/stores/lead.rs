//! The lead store.
