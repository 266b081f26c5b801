//! Rules of the domain that are not about access: input validation, levels, deadlines.

pub mod lead_flow;
pub mod levels;
pub mod risk_flow;
pub mod validate;
