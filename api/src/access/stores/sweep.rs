//! The sweep store.
