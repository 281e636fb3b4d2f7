//! `textDocument/documentLink`: relative links in a SKILL.md body to the bundle's files.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::{Server, guarded};
use crate::ide;

pub(super) async fn handle(
    server: &Server,
    params: DocumentLinkParams,
) -> Result<Option<Vec<DocumentLink>>> {
    let Some(doc) = server.document(&params.text_document.uri).await else {
        return Ok(None);
    };
    let links = guarded("documentLink", || {
        let live = doc.root.read();
        ide::document_links(&live.ws, doc.ide())
    })?;
    Ok(Some(
        links
            .into_iter()
            .filter_map(|l| {
                Some(DocumentLink {
                    range: doc.range(l.range),
                    target: Some(server.session.uri_for(&l.target)?),
                    tooltip: l.tooltip,
                    data: None,
                })
            })
            .collect(),
    ))
}
