//! Workspace folders and the skills workspaces inside them: the folder itself, and every
//! directory below it with its own `config/runtime.yaml` (each checked with its own config,
//! and left out of the workspaces above it, so that every file has one owner).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tower_lsp_server::ls_types::Uri;

use super::settings::ClientSettings;
use super::workspace::WorkspaceState;

#[derive(Debug)]
pub(crate) struct Folder {
    pub(crate) uri: Uri,
    pub(crate) name: String,
    /// The folder's path as the client spells it.
    pub(crate) client_path: PathBuf,
    /// The same, symlinks resolved (the runtime's paths start with it).
    pub(crate) path: PathBuf,
    pub(crate) roots: Vec<Arc<WorkspaceState>>,
    /// Settings from `workspace/configuration` for this folder (`None`: not pulled yet).
    pub(crate) settings: Option<ClientSettings>,
    /// A build is running.
    pub(crate) indexing: bool,
}

impl Folder {
    pub(crate) fn new(uri: Uri, name: String, client_path: PathBuf) -> Self {
        let path = client_path
            .canonicalize()
            .unwrap_or_else(|_| client_path.clone());
        let placeholder = WorkspaceState::placeholder(path.clone(), Some(uri.clone()));
        Folder {
            uri,
            name,
            client_path,
            path,
            roots: vec![Arc::new(placeholder)],
            settings: None,
            indexing: false,
        }
    }

    /// The deepest workspace of this folder that contains `path`.
    pub(crate) fn root_containing(&self, path: &Path) -> Option<&Arc<WorkspaceState>> {
        self.roots
            .iter()
            .filter(|r| path.starts_with(&r.root))
            .max_by_key(|r| r.root.components().count())
    }
}

/// The workspaces of a folder, each with the workspaces nested below it (checked on their
/// own, so left out of it). Blocking: walks the folder.
pub(crate) fn discover_roots(folder: &Path) -> Vec<(PathBuf, Vec<PathBuf>)> {
    if !folder.is_dir() {
        return vec![(folder.to_path_buf(), Vec::new())];
    }
    let nested = skills_runtime::check::nested_workspaces(folder);
    let mut roots: Vec<PathBuf> = nested.clone();
    roots.push(folder.to_path_buf());
    roots
        .iter()
        .map(|r| {
            let below = roots
                .iter()
                .filter(|o| *o != r && o.starts_with(r))
                .cloned()
                .collect();
            (r.clone(), below)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_workspaces_are_their_own_and_left_out_of_the_outer_ones() {
        let dir = std::env::temp_dir().join(format!("skills-lsp-roots-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for ws in ["a", "a/inner", "b"] {
            std::fs::create_dir_all(dir.join(ws).join("config")).unwrap();
            std::fs::write(dir.join(ws).join("config/runtime.yaml"), "skills: {}\n").unwrap();
        }
        let dir = dir.canonicalize().unwrap();
        let mut roots = discover_roots(&dir);
        roots.sort();
        assert_eq!(
            roots,
            vec![
                (
                    dir.clone(),
                    vec![dir.join("a"), dir.join("a/inner"), dir.join("b")]
                ),
                (dir.join("a"), vec![dir.join("a/inner")]),
                (dir.join("a/inner"), vec![]),
                (dir.join("b"), vec![]),
            ]
        );
        let mut below_a = discover_roots(&dir.join("a"));
        below_a.sort();
        assert_eq!(
            below_a,
            vec![
                (dir.join("a"), vec![dir.join("a/inner")]),
                (dir.join("a/inner"), vec![]),
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
