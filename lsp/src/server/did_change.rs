//! `textDocument/didChange`: applied to the rope right here, synchronously, so that edits
//! are applied in the order they were sent; the analysis is the scheduler's.

use tower_lsp_server::ls_types::DidChangeTextDocumentParams;

use super::Server;

pub(super) fn handle(server: &Server, params: DidChangeTextDocumentParams) {
    let session = &server.session;
    let uri = params.text_document.uri;
    let applied = session.documents.change(
        &uri,
        params.content_changes,
        params.text_document.version,
        session.features().encoding,
    );
    if !applied {
        tracing::warn!("didChange for {}, which is not open; ignored", uri.as_str());
        return;
    }
    if let Some(path) = session.open_path(&uri) {
        server.buffer_changed(&uri, path);
    }
}
