//! The run engine.

mod arguments;
pub mod failure;
