//! `read_file` (being ported).

use serde_json::{Map, Value};

use super::{ToolContext, ToolResult};

pub(crate) fn read_file(_args: &Map<String, Value>, _ctx: &ToolContext) -> ToolResult {
    ToolResult::error("unknown", "read_file is not available yet")
}
