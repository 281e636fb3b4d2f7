//! `textDocument/definition`: from a mention to the skill's `name:`, from a body link to the
//! bundle file.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::workspace_edit::location;
use super::{Server, guarded};
use crate::ide;

pub(super) async fn handle(
    server: &Server,
    params: GotoDefinitionParams,
) -> Result<Option<GotoDefinitionResponse>> {
    let at = params.text_document_position_params;
    let Some(doc) = server.document(&at.text_document.uri).await else {
        return Ok(None);
    };
    let targets = guarded("definition", || {
        let live = doc.root.read();
        ide::definition(&live.ws, doc.ide(), doc.offset(at.position))
    })?;
    let locations: Vec<Location> = targets
        .iter()
        .filter_map(|t| location(&server.session, t))
        .collect();
    Ok((!locations.is_empty()).then_some(GotoDefinitionResponse::Array(locations)))
}
