//! `grep_files` (being ported).

use serde_json::{Map, Value};

use super::{ToolContext, ToolResult};

pub(crate) fn grep_files(_args: &Map<String, Value>, _ctx: &ToolContext) -> ToolResult {
    ToolResult::error("unknown", "grep_files is not available yet")
}
