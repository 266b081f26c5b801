//! The person store.
