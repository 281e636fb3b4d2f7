//! The server's own notifications.

use serde::{Deserialize, Serialize};
use tower_lsp_server::ls_types::Uri;
use tower_lsp_server::ls_types::notification::Notification;

/// `skills/indexed`: a folder's workspaces were built (after `initialize`, and after every
/// rebuild: config, settings or folder changes).
pub(crate) enum Indexed {}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IndexedParams {
    pub(crate) folder: Uri,
    /// Skills in the index (every workspace of the folder).
    pub(crate) skills: usize,
    /// Files checked: SKILL.md, Markdown/text files with mentions, config overlays.
    pub(crate) files: usize,
    /// Wall time of the build.
    pub(crate) elapsed_ms: u64,
}

impl Notification for Indexed {
    type Params = IndexedParams;
    const METHOD: &'static str = "skills/indexed";
}
