//! `textDocument/references`: every mention of a skill in the workspace, open or not.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::workspace_edit::location;
use super::{Server, guarded};
use crate::ide;

pub(super) fn handle(server: &Server, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
    let at = params.text_document_position;
    let Some(doc) = server.document(&at.text_document.uri) else {
        return Ok(None);
    };
    let found = guarded("references", || {
        let live = doc.root.read();
        ide::references(
            &live.ws,
            doc.ide(),
            doc.offset(at.position),
            params.context.include_declaration,
        )
    })?;
    Ok(Some(
        found
            .iter()
            .filter_map(|r| location(&server.session, r))
            .collect(),
    ))
}
