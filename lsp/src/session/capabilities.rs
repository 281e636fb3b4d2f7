//! What the client supports, read once from `initialize` into plain flags.

use tower_lsp_server::ls_types::{ClientCapabilities, MarkupKind, ResourceOperationKind};

use crate::text::PositionEncoding;

#[derive(Debug, Clone, Default)]
pub(crate) struct ClientFeatures {
    pub(crate) encoding: PositionEncoding,
    /// `textDocument/diagnostic`: the client pulls diagnostics, the server does not push.
    pub(crate) pull_diagnostics: bool,
    /// `workspace/diagnostic/refresh`.
    pub(crate) diagnostic_refresh: bool,
    /// `client/registerCapability` for `workspace/didChangeWatchedFiles`.
    pub(crate) watch_files: bool,
    pub(crate) configuration: bool,
    /// `window/workDoneProgress/create` and `$/progress`.
    pub(crate) work_done_progress: bool,
    /// `WorkspaceEdit.documentChanges` with versioned text edits.
    pub(crate) document_changes: bool,
    /// `CreateFile` / `RenameFile` operations in `documentChanges`.
    pub(crate) create_files: bool,
    pub(crate) rename_files: bool,
    pub(crate) hover_markdown: bool,
    pub(crate) completion_markdown: bool,
    pub(crate) code_action_literals: bool,
    pub(crate) hierarchical_symbols: bool,
}

impl ClientFeatures {
    pub(crate) fn from_capabilities(caps: &ClientCapabilities) -> Self {
        let text = caps.text_document.as_ref();
        let workspace = caps.workspace.as_ref();
        let edit = workspace.and_then(|w| w.workspace_edit.as_ref());
        let resource_ops = edit
            .and_then(|e| e.resource_operations.as_deref())
            .unwrap_or_default();
        let completion_item = text
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref());
        let markdown = |formats: Option<&Vec<MarkupKind>>| {
            formats.is_some_and(|f| f.contains(&MarkupKind::Markdown))
        };
        ClientFeatures {
            encoding: PositionEncoding::negotiate(
                caps.general
                    .as_ref()
                    .and_then(|g| g.position_encodings.as_deref()),
            ),
            pull_diagnostics: text.is_some_and(|t| t.diagnostic.is_some()),
            diagnostic_refresh: workspace
                .and_then(|w| w.diagnostics.as_ref())
                .and_then(|d| d.refresh_support)
                .unwrap_or(false),
            watch_files: workspace
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false),
            configuration: workspace.and_then(|w| w.configuration).unwrap_or(false),
            work_done_progress: caps
                .window
                .as_ref()
                .and_then(|w| w.work_done_progress)
                .unwrap_or(false),
            document_changes: edit.and_then(|e| e.document_changes).unwrap_or(false),
            create_files: resource_ops.contains(&ResourceOperationKind::Create),
            rename_files: resource_ops.contains(&ResourceOperationKind::Rename),
            hover_markdown: markdown(
                text.and_then(|t| t.hover.as_ref())
                    .and_then(|h| h.content_format.as_ref()),
            ),
            completion_markdown: markdown(
                completion_item.and_then(|c| c.documentation_format.as_ref()),
            ),
            code_action_literals: text
                .and_then(|t| t.code_action.as_ref())
                .is_some_and(|c| c.code_action_literal_support.is_some()),
            hierarchical_symbols: text
                .and_then(|t| t.document_symbol.as_ref())
                .and_then(|s| s.hierarchical_document_symbol_support)
                .unwrap_or(false),
        }
    }
}
