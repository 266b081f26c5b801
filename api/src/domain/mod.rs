//! Rules of the domain that are not about access: input validation, levels, deadlines.

pub mod lead_flow;
pub mod levels;
pub mod organisation;
pub mod report_period;
pub mod risk_flow;
pub mod validate;

/// An input the domain refuses, naming the input path (the client's `BAD_USER_INPUT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub message: String,
    pub message_zh: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, message: impl Into<String>, message_zh: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into(), message_zh: message_zh.into() }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for Invalid {}
