//! `textDocument/hover`: mentions (what they resolve to, or why not), frontmatter and config
//! keys (what the runtime does with them).

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::{Server, guarded};
use crate::ide;

pub(super) async fn handle(server: &Server, params: HoverParams) -> Result<Option<Hover>> {
    let at = params.text_document_position_params;
    let Some(doc) = server.document(&at.text_document.uri).await else {
        return Ok(None);
    };
    let found = guarded("hover", || {
        let live = doc.root.read();
        ide::hover(&live.ws, doc.ide(), doc.offset(at.position))
    })?;
    let markdown = server.session.features().hover_markdown;
    Ok(found.map(|h| Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: if markdown {
                MarkupKind::Markdown
            } else {
                MarkupKind::PlainText
            },
            value: h.markdown,
        }),
        range: Some(doc.range(h.range)),
    }))
}
