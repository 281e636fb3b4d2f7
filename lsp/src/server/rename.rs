//! `textDocument/prepareRename` and `textDocument/rename`: a skill's `name:`, every mention
//! in the workspace and, when it bears the old name, the skill's directory — one edit.
//! Invalid new names are refused with the reason.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::workspace_edit::to_workspace_edit;
use super::{Server, guarded, request_failed};
use crate::ide;

pub(super) async fn prepare(
    server: &Server,
    params: TextDocumentPositionParams,
) -> Result<Option<PrepareRenameResponse>> {
    let Some(doc) = server.complete_document(&params.text_document.uri).await else {
        return Ok(None);
    };
    let found = guarded("prepareRename", || {
        let live = doc.root.read();
        ide::prepare_rename(&live.ws, doc.ide(), doc.offset(params.position))
    })?;
    match found {
        Ok((range, placeholder)) => Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
            range: doc.range(range),
            placeholder,
        })),
        Err(why) => Err(request_failed(why)),
    }
}

pub(super) async fn handle(server: &Server, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
    let at = params.text_document_position;
    let Some(doc) = server.complete_document(&at.text_document.uri).await else {
        return Ok(None);
    };
    let (change, analyzed) = guarded("rename", || {
        let live = doc.root.read();
        let change = ide::rename(
            &live.ws,
            doc.ide(),
            doc.offset(at.position),
            &params.new_name,
        );
        (change, live.versions.clone())
    })?;
    let mut change = change.map_err(request_failed)?;
    if !server.session.features().rename_files {
        // The directory keeps its old name; everything else is renamed.
        change.renames.clear();
    }
    to_workspace_edit(&server.session, &change, &analyzed)
        .map(Some)
        .map_err(request_failed)
}
