//! One skills workspace (a directory with its own config) as the server keeps it: the live
//! `check::Workspace`, updated incrementally, with open buffers overriding the disk.
//!
//! Locking: `live` is held only for synchronous work (never across an `.await`); `dirty`
//! is taken while `live` is write-locked, so a reader that flushed first always sees every
//! change that was pending when it asked.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use skills_runtime::check::{Affected, Workspace};
use skills_runtime::settings::Settings;
use tokio::sync::Notify;
use tower_lsp_server::ls_types::Uri;

use super::FileKind;
use super::documents::DocumentStore;

/// A `skills-lsp.toml` that could not be read: defaults apply and the problem is shown.
#[derive(Debug, Clone)]
pub(crate) struct SettingsProblem {
    pub(crate) path: PathBuf,
    pub(crate) message: String,
    pub(crate) range: skills_runtime::text::SourceRange,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct BuildStats {
    pub(crate) elapsed: Duration,
}

/// What a workspace knows right now.
#[derive(Debug)]
pub(crate) struct Live {
    pub(crate) ws: Workspace,
    /// The settings the workspace was checked with (file + client).
    pub(crate) settings: Settings,
    pub(crate) settings_problem: Option<SettingsProblem>,
    /// Workspaces below this one that are checked on their own.
    pub(crate) nested: Vec<PathBuf>,
    /// The document version each open buffer's analysis reflects (by model path).
    pub(crate) versions: HashMap<PathBuf, i32>,
    /// `None` until the first build finished.
    pub(crate) built: Option<BuildStats>,
}

#[derive(Debug)]
pub(crate) struct WorkspaceState {
    pub(crate) root: PathBuf,
    /// The workspace folder it belongs to (`None`: files outside every folder).
    pub(crate) folder: Option<Uri>,
    live: RwLock<Live>,
    /// Buffers changed since their analysis: model path → document.
    dirty: Mutex<HashMap<PathBuf, Uri>>,
    /// Everything is checked: the index, and the Markdown/text files that follow it. Until
    /// then diagnostics are not published (they would change once those files are in) and
    /// workspace-wide requests (references, rename) wait.
    complete: AtomicBool,
    completed: Notify,
}

/// Both sets of changed files, or all.
pub(crate) fn merge(a: Affected, b: Affected) -> Affected {
    match (a, b) {
        (Affected::Files(mut x), Affected::Files(y)) => {
            for p in y {
                if !x.contains(&p) {
                    x.push(p);
                }
            }
            Affected::Files(x)
        }
        _ => Affected::All,
    }
}

impl WorkspaceState {
    /// A workspace that is not built yet (or has no config and no files).
    pub(crate) fn placeholder(root: PathBuf, folder: Option<Uri>) -> Self {
        Self {
            live: RwLock::new(Live {
                ws: Workspace::empty(root.clone()),
                settings: Settings::default(),
                settings_problem: None,
                nested: Vec::new(),
                versions: HashMap::new(),
                built: None,
            }),
            root,
            folder,
            dirty: Mutex::new(HashMap::new()),
            complete: AtomicBool::new(false),
            completed: Notify::new(),
        }
    }

    pub(crate) fn is_complete(&self) -> bool {
        self.complete.load(Ordering::SeqCst)
    }

    pub(crate) fn set_complete(&self) {
        self.complete.store(true, Ordering::SeqCst);
        self.completed.notify_waiters();
    }

    /// Waits until the workspace is complete, `limit` at most.
    pub(crate) async fn wait_complete(&self, limit: Duration) {
        let wait = async {
            loop {
                let notified = self.completed.notified();
                if self.is_complete() {
                    return;
                }
                notified.await;
            }
        };
        let _ = tokio::time::timeout(limit, wait).await;
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Live> {
        self.live.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Live> {
        self.live.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Records that a buffer (or its closing) must be analyzed again.
    pub(crate) fn mark_dirty(&self, path: PathBuf, uri: Uri) {
        self.dirty
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path, uri);
    }

    /// Whether the index holds `path` (a source may reach outside the workspace directory).
    pub(crate) fn indexes(&self, path: &Path) -> bool {
        self.read().ws.index.file(path).is_some()
    }

    /// Whether `path` is checked here as an extra file (not indexed).
    pub(crate) fn checks_extra(&self, path: &Path) -> bool {
        self.read().ws.extra_files.iter().any(|f| f.path == path)
    }

    /// Stops checking an extra file (it belongs to another workspace now).
    pub(crate) fn remove_extra(&self, path: &Path) -> Affected {
        let mut live = self.write();
        live.versions.remove(path);
        let Live { ws, settings, .. } = &mut *live;
        ws.remove_extra_file(path, settings)
    }

    /// Adds mention files analyzed after the index was installed (see `server::build`).
    pub(crate) fn add_mention_files(
        &self,
        nested: Vec<PathBuf>,
        files: Vec<skills_runtime::analysis::FileAnalysis>,
    ) -> Affected {
        let mut live = self.write();
        live.nested = nested;
        let Live { ws, settings, .. } = &mut *live;
        ws.add_extra_files(files, settings)
    }

    /// Analyzes every buffer changed since the last flush (closed ones go back to their
    /// disk content, or stop being checked). `None` when nothing was pending.
    pub(crate) fn flush(&self, docs: &DocumentStore) -> Option<Affected> {
        let mut live = self.write();
        let dirty = std::mem::take(&mut *self.dirty.lock().unwrap_or_else(|e| e.into_inner()));
        if dirty.is_empty() {
            return None;
        }
        let mut affected = Affected::Files(Vec::new());
        for (path, uri) in dirty {
            let a = match docs.snapshot(&uri) {
                // Analyzed at this version already: a flush that ran between a change and
                // its `mark_dirty` took the text with it.
                Some(snap) if live.versions.get(&path) == Some(&snap.version) => continue,
                Some(snap) => {
                    let Live {
                        ws,
                        settings,
                        versions,
                        ..
                    } = &mut *live;
                    let a = ws.update_file(&path, Some(snap.text.as_bytes()), settings);
                    versions.insert(path, snap.version);
                    a
                }
                None => {
                    live.versions.remove(&path);
                    revert(&mut live, &path)
                }
            };
            affected = merge(affected, a);
        }
        Some(affected)
    }

    /// A file changed on disk (not open in the editor): analyze it again, or add it.
    pub(crate) fn disk_changed(&self, path: &Path) -> Affected {
        let mut live = self.write();
        if live.ws.file(path).is_none() && !checked_on_disk(&live, path) {
            return Affected::Files(Vec::new());
        }
        let Live { ws, settings, .. } = &mut *live;
        ws.update_file(path, None, settings)
    }

    /// A file was deleted on disk (not open in the editor).
    pub(crate) fn disk_removed(&self, path: &Path) -> Affected {
        let mut live = self.write();
        let Live { ws, settings, .. } = &mut *live;
        if ws.index.file(path).is_some() {
            // Leaves the index only with a rebuild; until then it reads as unreadable.
            return ws.update_file(path, None, settings);
        }
        ws.remove_extra_file(path, settings)
    }

    /// Replaces the workspace with a fresh build. Buffers must be flushed again afterwards.
    pub(crate) fn install(
        &self,
        ws: Workspace,
        settings: Settings,
        settings_problem: Option<SettingsProblem>,
        nested: Vec<PathBuf>,
        stats: BuildStats,
    ) {
        *self.write() = Live {
            ws,
            settings,
            settings_problem,
            nested,
            versions: HashMap::new(),
            built: Some(stats),
        };
    }

    /// Records the versions of config buffers a build read (their diagnostics reflect them).
    pub(crate) fn record_versions(&self, versions: &HashMap<PathBuf, i32>) {
        if versions.is_empty() {
            return;
        }
        let mut live = self.write();
        for (path, version) in versions {
            if path.starts_with(&self.root)
                || live.ws.config.overlays.iter().any(|o| &o.path == path)
            {
                live.versions.insert(path.clone(), *version);
            }
        }
    }

    /// The paths that have diagnostics.
    pub(crate) fn paths_with_diagnostics(&self) -> Vec<PathBuf> {
        let live = self.read();
        let mut seen = HashSet::new();
        live.ws
            .diagnostics
            .iter()
            .filter(|d| seen.insert(&d.path))
            .map(|d| d.path.clone())
            .chain(live.settings_problem.iter().map(|p| p.path.clone()))
            .collect()
    }
}

/// Whether this workspace checks a file from disk (open or not): indexed, or Markdown/text
/// matched by the mention globs and not in a nested workspace.
fn checked_on_disk(live: &Live, path: &Path) -> bool {
    if live.ws.index.file(path).is_some() {
        return true;
    }
    let Ok(rel) = path.strip_prefix(&live.ws.root) else {
        return false;
    };
    matches!(FileKind::of(path), FileKind::Skill | FileKind::Text)
        && live.settings.is_included(rel)
        && !live.nested.iter().any(|n| path.starts_with(n))
}

/// A closed buffer: back to the disk content when the workspace checks that file anyway,
/// else no longer checked.
fn revert(live: &mut Live, path: &Path) -> Affected {
    let keep = path.is_file() && checked_on_disk(live, path);
    let Live { ws, settings, .. } = live;
    if keep || ws.index.file(path).is_some() {
        ws.update_file(path, None, settings)
    } else {
        ws.remove_extra_file(path, settings)
    }
}
