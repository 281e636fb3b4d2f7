//! `textDocument/documentSymbol`: frontmatter fields and Markdown headings, nested (or flat
//! with container names for clients without hierarchy support).

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::{DocumentContext, Server, guarded};
use crate::ide::{self, Symbol};

pub(crate) fn symbol_kind(k: ide::SymbolKind) -> SymbolKind {
    match k {
        ide::SymbolKind::Field => SymbolKind::FIELD,
        ide::SymbolKind::Object => SymbolKind::OBJECT,
        ide::SymbolKind::Array => SymbolKind::ARRAY,
        ide::SymbolKind::Heading => SymbolKind::STRING,
        ide::SymbolKind::Skill => SymbolKind::FUNCTION,
    }
}

#[allow(deprecated)]
fn nested(doc: &DocumentContext, s: Symbol) -> DocumentSymbol {
    DocumentSymbol {
        name: s.name,
        detail: s.detail,
        kind: symbol_kind(s.kind),
        tags: None,
        deprecated: None,
        range: doc.range(s.range),
        selection_range: doc.range(s.selection),
        children: (!s.children.is_empty())
            .then(|| s.children.into_iter().map(|c| nested(doc, c)).collect()),
    }
}

#[allow(deprecated)]
fn flat(
    doc: &DocumentContext,
    uri: &Uri,
    s: Symbol,
    container: Option<&str>,
    out: &mut Vec<SymbolInformation>,
) {
    out.push(SymbolInformation {
        name: s.name.clone(),
        kind: symbol_kind(s.kind),
        tags: None,
        deprecated: None,
        location: Location::new(uri.clone(), doc.range(s.range)),
        container_name: container.map(str::to_string),
    });
    for c in s.children {
        flat(doc, uri, c, Some(&s.name), out);
    }
}

pub(super) async fn handle(
    server: &Server,
    params: DocumentSymbolParams,
) -> Result<Option<DocumentSymbolResponse>> {
    let uri = params.text_document.uri;
    let Some(doc) = server.document(&uri).await else {
        return Ok(None);
    };
    let symbols = guarded("documentSymbol", || ide::document_symbols(doc.ide()))?;
    if server.session.features().hierarchical_symbols {
        Ok(Some(DocumentSymbolResponse::Nested(
            symbols.into_iter().map(|s| nested(&doc, s)).collect(),
        )))
    } else {
        let mut out = Vec::new();
        for s in symbols {
            flat(&doc, &uri, s, None, &mut out);
        }
        Ok(Some(DocumentSymbolResponse::Flat(out)))
    }
}
