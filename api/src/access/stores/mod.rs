//! One store per resource: what a client may filter and order by, the children each record
//! holds, and the writes, all through [`super::store`]. Nothing outside the access layer names
//! a case table's entity, active model or column.

pub mod audit;
pub mod lawyer;
pub mod lead;
pub mod meeting;
pub mod person;
pub mod report;
pub mod risk;
pub mod seed;
pub mod sweep;
pub mod task;
pub mod unit_report;
pub mod user;
pub mod venue;
