//! `textDocument/didClose`: the file on disk is the truth again.

use tower_lsp_server::ls_types::DidCloseTextDocumentParams;

use super::Server;
use crate::session::FileKind;

pub(super) fn handle(server: &Server, params: DidCloseTextDocumentParams) {
    let session = &server.session;
    let uri = params.text_document.uri;
    let last = session.documents.snapshot(&uri);
    if !session.documents.close(&uri) {
        return;
    }
    let Some(path) = session.document_closed(&uri) else {
        return;
    };
    let kind = FileKind::of(&path);
    // A config buffer closed without saving: the workspace read it, so rebuild from disk.
    // (Analyzed files go back to their disk content anyway: no need to read them here.)
    let unsaved = || {
        last.is_some_and(|s| {
            skills_runtime::analysis::read_regular(&path)
                .ok()
                .as_deref()
                != Some(s.text.as_bytes())
        })
    };
    if kind.is_analyzed() || unsaved() {
        server.buffer_changed(&uri, path);
    }
}
