//! Client settings after `initialize`: pulled with `workspace/configuration` (section
//! `skills`, globally and per folder) at `initialized` and on every
//! `workspace/didChangeConfiguration`, or read from that notification when the client cannot
//! be asked. Folders whose settings in force changed are indexed again.

use tower_lsp_server::ls_types::{ConfigurationItem, Uri};

use super::build::Scope;
use super::scheduler::Task;
use super::{Server, logging};
use crate::session::ClientSettings;

const SECTION: &str = "skills";

pub(super) async fn pull(server: &Server) {
    let pull = server.session.begin_settings_pull();
    let folders: Vec<Uri> = server
        .session
        .folders()
        .iter()
        .map(|f| f.uri.clone())
        .collect();
    let mut items = vec![ConfigurationItem {
        scope_uri: None,
        section: Some(SECTION.into()),
    }];
    items.extend(folders.iter().map(|uri| ConfigurationItem {
        scope_uri: Some(uri.clone()),
        section: Some(SECTION.into()),
    }));
    let values = match server.client.configuration(items).await {
        Ok(values) => values,
        Err(e) => {
            tracing::warn!("workspace/configuration failed ({e}); keeping the current settings");
            return;
        }
    };
    if !server.session.is_latest_settings_pull(pull) {
        // A later pull is under way: its answer is the newer one, whatever arrives first.
        tracing::debug!("an outdated workspace/configuration answer was dropped");
        return;
    }
    let mut problems = Vec::new();
    let mut read = |v: &serde_json::Value| {
        let (s, p) = ClientSettings::from_json(v);
        problems.extend(p);
        s
    };
    let global = values.first().map(&mut read);
    let per_folder: Vec<(Uri, ClientSettings)> = folders
        .into_iter()
        .zip(values.iter().skip(1))
        .map(|(uri, v)| (uri, read(v)))
        .collect();
    apply(server, global, per_folder, problems);
}

/// Takes new settings and re-indexes the folders whose settings in force changed.
pub(super) fn apply(
    server: &Server,
    global: Option<ClientSettings>,
    per_folder: Vec<(Uri, ClientSettings)>,
    problems: Vec<String>,
) {
    let session = &server.session;
    for p in &problems {
        tracing::warn!("settings: {p}");
    }
    let in_force = || -> Vec<(Uri, ClientSettings)> {
        session
            .folders()
            .iter()
            .map(|f| (f.uri.clone(), session.folder_settings(f)))
            .collect()
    };
    let before = in_force();
    if let Some(g) = global {
        session.set_global_settings(g);
    }
    {
        let mut folders = session.folders_mut();
        for (uri, s) in per_folder {
            if let Some(f) = folders.iter_mut().find(|f| f.uri == uri) {
                f.settings = Some(s);
            }
        }
    }
    if let Some(level) = session.base_settings().log_level {
        logging::set_level(&level);
    }
    *session
        .settings_problems
        .write()
        .unwrap_or_else(|e| e.into_inner()) = problems;
    for (uri, now) in in_force() {
        if before.iter().any(|(u, was)| *u == uri && *was != now) {
            tracing::info!("settings changed for {}: indexing again", uri.as_str());
            server.scheduler.send(Task::Index {
                folder: uri,
                scope: Scope::Rediscover,
                debounce: false,
            });
        }
    }
}
