//! `textDocument/didOpen`: the buffer now stands in for the file.

use tower_lsp_server::ls_types::DidOpenTextDocumentParams;

use super::Server;
use crate::session::FileKind;

pub(super) fn handle(server: &Server, params: DidOpenTextDocumentParams) {
    let doc = params.text_document;
    let session = &server.session;
    session
        .documents
        .open(doc.uri.clone(), &doc.text, doc.version);
    let Some(path) = session.model_path(&doc.uri) else {
        return;
    };
    session.document_opened(path.clone(), doc.uri.clone());
    let kind = FileKind::of(&path);
    // Opening a config file that matches the disk changes nothing.
    if !kind.is_analyzed()
        && skills_runtime::analysis::read_regular(&path)
            .ok()
            .as_deref()
            == Some(doc.text.as_bytes())
    {
        return;
    }
    server.buffer_changed(&doc.uri, path);
}
