//! `workspace/executeCommand`. `skills.serverStatus` returns, as JSON, what the server is
//! working with: version, folders and their workspaces, config files in force, counts, and
//! every error (scan errors, broken settings).

use serde_json::{Value, json};
use skills_runtime::diagnostic::Severity;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{ExecuteCommandParams, LSPAny};

use super::{Server, logging};
use crate::session::{Session, WorkspaceState};

pub(crate) const SERVER_STATUS: &str = "skills.serverStatus";
pub(crate) const COMMANDS: &[&str] = &[SERVER_STATUS];

pub(super) fn handle(server: &Server, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
    match params.command.as_str() {
        SERVER_STATUS => Ok(Some(status(&server.session))),
        other => Err(Error::invalid_params(format!(
            "unknown command `{other}` (known: {})",
            COMMANDS.join(", ")
        ))),
    }
}

fn workspace_status(root: &WorkspaceState, errors: &mut Vec<Value>) -> Value {
    let live = root.read();
    let ws = &live.ws;
    let count = |s: Severity| ws.diagnostics.iter().filter(|d| d.severity == s).count();
    let scan_errors: Vec<Value> = ws
        .index
        .errors
        .iter()
        .map(|e| {
            json!({
                "code": e.code,
                "message": e.message,
                "path": e.path.as_ref().map(|p| p.display().to_string()),
                "reason": e.reason,
            })
        })
        .collect();
    errors.extend(scan_errors.iter().cloned());
    if let Some(p) = &live.settings_problem {
        errors.push(json!({"code": "SETTINGS_INVALID", "message": p.message, "path": p.path.display().to_string()}));
    }
    let settings_file = root.root.join(skills_runtime::settings::FILE_NAME);
    json!({
        "root": root.root.display().to_string(),
        "ready": live.built.is_some(),
        "profile": ws.profile.as_str(),
        "configFiles": ws.config.overlays.iter().map(|o| o.path.display().to_string()).collect::<Vec<_>>(),
        "configLoads": ws.config.loads || !ws.config.has_overlays(),
        "discoveredWithoutConfig": ws.index.discovered_without_config,
        "envFile": ws.config.env_file.as_ref().map(|p| p.display().to_string()),
        "settingsFile": settings_file.is_file().then(|| settings_file.display().to_string()),
        "settingsError": live.settings_problem.as_ref().map(|p| p.message.clone()),
        "nestedWorkspaces": live.nested.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "skills": ws.index.skills.len(),
        "files": ws.files_checked(),
        "diagnostics": {
            "error": count(Severity::Error),
            "warning": count(Severity::Warning),
            "info": count(Severity::Info),
        },
        "scanErrors": scan_errors,
        "buildMs": live.built.map(|b| b.elapsed.as_millis() as u64),
        "openBuffers": live.versions.len(),
    })
}

pub(crate) fn status(session: &Session) -> Value {
    let features = session.features();
    let mut errors: Vec<Value> = Vec::new();
    let mut skills = 0;
    let mut files = 0;
    let folders: Vec<Value> = session
        .folders()
        .iter()
        .map(|f| {
            let workspaces: Vec<Value> = f
                .roots
                .iter()
                .map(|r| workspace_status(r, &mut errors))
                .collect();
            skills += workspaces
                .iter()
                .filter_map(|w| w["skills"].as_u64())
                .sum::<u64>();
            files += workspaces
                .iter()
                .filter_map(|w| w["files"].as_u64())
                .sum::<u64>();
            json!({
                "uri": f.uri.as_str(),
                "name": f.name,
                "path": f.path.display().to_string(),
                "indexing": f.indexing,
                "settings": session.folder_settings(f),
                "workspaces": workspaces,
            })
        })
        .collect();
    for p in session
        .settings_problems
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        errors.push(json!({"code": "CLIENT_SETTINGS_INVALID", "message": p}));
    }
    json!({
        "name": "skills-lsp",
        "version": env!("CARGO_PKG_VERSION"),
        "positionEncoding": features.encoding.as_str(),
        "diagnostics": if features.pull_diagnostics { "pull" } else { "push" },
        "logLevel": logging::level_name(),
        "uptimeMs": session.started.elapsed().as_millis() as u64,
        "openDocuments": session.documents.len(),
        "settings": session.base_settings(),
        "folders": folders,
        "skills": skills,
        "files": files,
        "errors": errors,
    })
}
