//! `workspace/diagnostic` (pull): every file with diagnostics in every workspace, including
//! files that are not open. Files the client knows whose diagnostics are gone get an empty
//! report. When nothing changed since the client's last pull, the request is held until
//! something does (or `HOLD` passes): clients re-pull as soon as they get an answer.

use std::collections::HashMap;
use std::time::Duration;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::Server;
use super::diagnostics::{fingerprint, for_path};

const HOLD: Duration = Duration::from_secs(30);

pub(super) async fn handle(
    server: &Server,
    params: WorkspaceDiagnosticParams,
) -> Result<WorkspaceDiagnosticReportResult> {
    let previous: HashMap<Uri, String> = params
        .previous_result_ids
        .into_iter()
        .map(|p| (p.uri, p.value))
        .collect();
    for root in server.session.all_roots() {
        root.wait_complete(super::COMPLETE_WAIT).await;
    }
    let mut changes = server.session.watch_diagnostics();
    changes.mark_unchanged();
    let mut report = collect(server, &previous);
    if !previous.is_empty() && report.iter().all(is_unchanged) {
        // Returns early at the next change, or when the client cancels the request.
        let _ = tokio::time::timeout(HOLD, changes.changed()).await;
        report = collect(server, &previous);
    }
    Ok(WorkspaceDiagnosticReportResult::Report(
        WorkspaceDiagnosticReport { items: report },
    ))
}

fn is_unchanged(item: &WorkspaceDocumentDiagnosticReport) -> bool {
    matches!(item, WorkspaceDocumentDiagnosticReport::Unchanged(_))
}

fn collect(
    server: &Server,
    previous: &HashMap<Uri, String>,
) -> Vec<WorkspaceDocumentDiagnosticReport> {
    let session = &server.session;
    let mut items = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for root in session.all_roots() {
        server.flush(&root);
        for path in root.paths_with_diagnostics() {
            let Some(uri) = session.uri_for(&path) else {
                continue;
            };
            if !seen.insert(uri.clone()) {
                continue;
            }
            let diagnostics = for_path(&root.read(), &path, session);
            let id = fingerprint(&diagnostics);
            let version = session.documents.version(&uri).map(i64::from);
            items.push(report(uri, version, id, diagnostics, previous));
        }
    }
    // Files the client has diagnostics for that have none now.
    for uri in previous.keys().filter(|u| !seen.contains(*u)) {
        let version = session.documents.version(uri).map(i64::from);
        let id = fingerprint(&[]);
        items.push(report(uri.clone(), version, id, Vec::new(), previous));
    }
    items
}

fn report(
    uri: Uri,
    version: Option<i64>,
    result_id: String,
    items: Vec<Diagnostic>,
    previous: &HashMap<Uri, String>,
) -> WorkspaceDocumentDiagnosticReport {
    if previous.get(&uri) == Some(&result_id) {
        WorkspaceDocumentDiagnosticReport::Unchanged(WorkspaceUnchangedDocumentDiagnosticReport {
            uri,
            version,
            unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport { result_id },
        })
    } else {
        WorkspaceDocumentDiagnosticReport::Full(WorkspaceFullDocumentDiagnosticReport {
            uri,
            version,
            full_document_diagnostic_report: FullDocumentDiagnosticReport {
                result_id: Some(result_id),
                items,
            },
        })
    }
}
