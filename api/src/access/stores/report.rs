//! The report store.
