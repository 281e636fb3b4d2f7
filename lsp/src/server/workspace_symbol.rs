//! `workspace/symbol`: the skills of every workspace whose name matches the query.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::document_symbol::symbol_kind;
use super::workspace_edit::location;
use super::{Server, guarded};
use crate::ide;

/// Most symbols returned (clients filter further as the user types).
const LIMIT: usize = 500;

#[allow(deprecated)]
pub(super) fn handle(
    server: &Server,
    params: WorkspaceSymbolParams,
) -> Result<Option<WorkspaceSymbolResponse>> {
    let session = &server.session;
    let mut out = Vec::new();
    for root in session.all_roots() {
        server.flush(&root);
        let found = guarded("workspace/symbol", || {
            ide::workspace_symbols(&root.read().ws, &params.query)
        })?;
        for s in found {
            if out.len() >= LIMIT {
                break;
            }
            let Some(location) = location(session, &s.location) else {
                continue;
            };
            out.push(SymbolInformation {
                name: s.name,
                kind: symbol_kind(ide::SymbolKind::Skill),
                tags: None,
                deprecated: None,
                location,
                container_name: s.container,
            });
        }
    }
    Ok(Some(WorkspaceSymbolResponse::Flat(out)))
}
