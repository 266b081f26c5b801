//! The venue store.
