//! `view_image` (being ported).

use serde_json::{Map, Value};

use super::{ToolContext, ToolResult};

pub(crate) fn view_image(_args: &Map<String, Value>, _ctx: &ToolContext) -> ToolResult {
    ToolResult::error("unknown", "view_image is not available yet")
}
