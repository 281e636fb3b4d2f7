//! `list_dir` (being ported).

use serde_json::{Map, Value};

use super::{ToolContext, ToolResult};

pub(crate) fn list_dir(_args: &Map<String, Value>, _ctx: &ToolContext) -> ToolResult {
    ToolResult::error("unknown", "list_dir is not available yet")
}
