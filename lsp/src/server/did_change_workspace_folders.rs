//! `workspace/didChangeWorkspaceFolders`: added folders are indexed (and their settings
//! pulled), removed ones dropped with their diagnostics.

use tower_lsp_server::ls_types::DidChangeWorkspaceFoldersParams;

use super::build::Scope;
use super::scheduler::Task;
use super::{Server, initialize, settings};

pub(super) fn handle(server: &Server, params: DidChangeWorkspaceFoldersParams) {
    let session = &server.session;
    let mut removed_roots = Vec::new();
    let mut added = Vec::new();
    {
        let mut folders = session.folders_mut();
        for gone in &params.event.removed {
            if let Some(i) = folders.iter().position(|f| f.uri == gone.uri) {
                removed_roots.extend(folders.remove(i).roots);
            }
        }
        for new in params.event.added {
            if folders.iter().any(|f| f.uri == new.uri) {
                continue;
            }
            if let Some(folder) = initialize::folder(new) {
                added.push(folder.uri.clone());
                folders.push(folder);
            }
        }
    }
    if !removed_roots.is_empty() {
        server.scheduler.send(Task::Forget(removed_roots));
    }
    for folder in &added {
        server.scheduler.send(Task::Index {
            folder: folder.clone(),
            scope: Scope::Rediscover,
            debounce: false,
        });
    }
    if !added.is_empty() && session.features().configuration {
        let server = server.clone();
        tokio::spawn(async move { settings::pull(&server).await });
    }
}
