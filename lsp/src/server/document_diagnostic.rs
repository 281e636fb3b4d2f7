//! `textDocument/diagnostic` (pull): the document's diagnostics after its pending changes,
//! or "unchanged" when the client already has them.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::Server;
use super::diagnostics::{fingerprint, for_path};

pub(super) fn handle(
    server: &Server,
    params: DocumentDiagnosticParams,
) -> Result<DocumentDiagnosticReportResult> {
    let (items, result_id) = match server.document(&params.text_document.uri) {
        Some(doc) => {
            let items = for_path(&doc.root.read(), &doc.path, &server.session);
            let id = fingerprint(&items);
            (items, id)
        }
        None => (Vec::new(), fingerprint(&[])),
    };
    let report = if params.previous_result_id.as_deref() == Some(result_id.as_str()) {
        DocumentDiagnosticReport::Unchanged(RelatedUnchangedDocumentDiagnosticReport {
            related_documents: None,
            unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport { result_id },
        })
    } else {
        DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: FullDocumentDiagnosticReport {
                result_id: Some(result_id),
                items,
            },
        })
    };
    Ok(DocumentDiagnosticReportResult::Report(report))
}
