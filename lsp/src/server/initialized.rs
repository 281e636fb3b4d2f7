//! `initialized`: notifications may flow from now on; file watchers are registered and the
//! folders' settings pulled — both spawned, never awaited here.

use tower_lsp_server::ls_types::*;

use super::scheduler::Task;
use super::{Server, settings};

/// What the server watches: skills, config overlays, `.env`, its own settings, and the
/// Markdown/text files mentions are checked in (a superset of every `mentionGlobs`).
const WATCHED: &[&str] = &[
    "**/SKILL.md",
    "**/config/*.yaml",
    "**/.env",
    "**/skills-lsp.toml",
    "**/*.{md,markdown,mdx,txt}",
];

pub(super) fn handle(server: &Server) {
    server.scheduler.send(Task::Ready);
    let features = server.session.features();
    if features.watch_files {
        let client = server.client.clone();
        tokio::spawn(async move {
            let options = DidChangeWatchedFilesRegistrationOptions {
                watchers: WATCHED
                    .iter()
                    .map(|g| FileSystemWatcher {
                        glob_pattern: GlobPattern::String(g.to_string()),
                        kind: None,
                    })
                    .collect(),
            };
            let registration = Registration {
                id: "skills-lsp/watched-files".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(options).ok(),
            };
            if let Err(e) = client.register_capability(vec![registration]).await {
                tracing::warn!(
                    "the client refused file watching ({e}); the index follows open documents only"
                );
            }
        });
    }
    if features.configuration {
        let server = server.clone();
        tokio::spawn(async move { settings::pull(&server).await });
    }
}
