//! `apply_patch` (being ported).

use serde_json::{Map, Value};

use super::{ToolContext, ToolResult};

pub(crate) fn apply_patch(_args: &Map<String, Value>, _ctx: &ToolContext) -> ToolResult {
    ToolResult::error("unknown", "apply_patch is not available yet")
}
