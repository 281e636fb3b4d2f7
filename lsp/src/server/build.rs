//! Building a folder's skills workspaces from scratch (blocking; run off the async threads):
//! settings (`skills-lsp.toml` under the client's settings), config (open buffers standing in
//! for `.env` and overlays), then `check::check_loaded`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use skills_runtime::check::{CheckOptions, Workspace, check_loaded};
use skills_runtime::config::{self, LoadOptions};
use skills_runtime::settings::{self as file_settings, Settings};
use skills_runtime::text::{LineIndex, TextRange};

use crate::session::{ClientSettings, SettingsProblem, discover_roots};

/// Which workspaces of a folder to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Find the folder's workspaces again and build them all.
    Rediscover,
    /// Only these (their config or settings changed).
    Roots(Vec<PathBuf>),
}

impl Scope {
    pub(crate) fn union(self, other: Scope) -> Scope {
        match (self, other) {
            (Scope::Roots(mut a), Scope::Roots(b)) => {
                for r in b {
                    if !a.contains(&r) {
                        a.push(r);
                    }
                }
                Scope::Roots(a)
            }
            _ => Scope::Rediscover,
        }
    }
}

/// One workspace, freshly checked.
#[derive(Debug)]
pub(crate) struct RootBuild {
    pub(crate) root: PathBuf,
    pub(crate) nested: Vec<PathBuf>,
    pub(crate) ws: Workspace,
    pub(crate) settings: Settings,
    pub(crate) settings_problem: Option<SettingsProblem>,
    pub(crate) elapsed: Duration,
}

/// The text of a file: its open buffer, else the disk.
fn read(path: &Path, buffers: &HashMap<PathBuf, Vec<u8>>) -> Option<Vec<u8>> {
    match buffers.get(path) {
        Some(b) => Some(b.clone()),
        None => skills_runtime::analysis::read_regular(path).ok(),
    }
}

/// `skills-lsp.toml` of a workspace (defaults when missing or broken), client settings on top.
fn settings_for(
    root: &Path,
    client: &ClientSettings,
    buffers: &HashMap<PathBuf, Vec<u8>>,
) -> (Settings, Option<SettingsProblem>) {
    let path = root.join(file_settings::FILE_NAME);
    let (file, problem) = match read(&path, buffers) {
        None if !path.exists() => (Settings::default(), None),
        None => (
            Settings::default(),
            Some(SettingsProblem {
                path: path.clone(),
                message: "cannot read skills-lsp.toml (not a regular file?); defaults apply".into(),
                range: Default::default(),
            }),
        ),
        Some(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            match Settings::parse(&text) {
                Ok(s) => (s, None),
                Err((message, range)) => {
                    let lines = LineIndex::new(&bytes);
                    let range = range
                        .map(|r| {
                            let end = r.end.min(bytes.len());
                            lines.source_range(&bytes, TextRange::new(r.start.min(end), end))
                        })
                        .unwrap_or_default();
                    (
                        Settings::default(),
                        Some(SettingsProblem {
                            path: path.clone(),
                            message: format!(
                                "skills-lsp.toml: {message}; defaults apply until it is fixed"
                            ),
                            range,
                        }),
                    )
                }
            }
        }
    };
    (client.apply_to(file), problem)
}

/// Checks one workspace.
pub(crate) fn build_root(
    root: &Path,
    nested: Vec<PathBuf>,
    client: &ClientSettings,
    buffers: &HashMap<PathBuf, Vec<u8>>,
) -> RootBuild {
    let started = Instant::now();
    let (settings, settings_problem) = settings_for(root, client, buffers);
    let load = LoadOptions::new(root);
    let config = config::load_with_buffers(&load, buffers);
    let opts = CheckOptions {
        config: load,
        paths: Vec::new(),
        profile: client.profile(),
        nested_workspaces: nested.clone(),
        settings,
    };
    let ws = check_loaded(&opts, config);
    RootBuild {
        root: root.to_path_buf(),
        nested,
        ws,
        settings: opts.settings,
        settings_problem,
        elapsed: started.elapsed(),
    }
}

/// Builds the workspaces of a folder that `scope` names (`known`: the folder's current
/// workspaces and what is nested below each, for `Scope::Roots`).
pub(crate) fn build_folder(
    folder: &Path,
    scope: &Scope,
    known: &[(PathBuf, Vec<PathBuf>)],
    client: &ClientSettings,
    buffers: &HashMap<PathBuf, Vec<u8>>,
) -> Vec<RootBuild> {
    let roots: Vec<(PathBuf, Vec<PathBuf>)> = match scope {
        Scope::Rediscover => discover_roots(folder),
        Scope::Roots(wanted) => known
            .iter()
            .filter(|(r, _)| wanted.contains(r))
            .cloned()
            .collect(),
    };
    roots
        .into_iter()
        .map(|(root, nested)| build_root(&root, nested, client, buffers))
        .collect()
}
