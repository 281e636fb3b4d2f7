//! Everything the server knows between messages: what the client supports, its settings,
//! the open documents, the workspace folders and the live skills workspaces inside them.
//! No protocol I/O happens here.
//!
//! Lock order: the folders, then a workspace's live state, then the leaves (client settings,
//! folder paths, open documents, the URI → opened-path map `open_uris`). Nothing takes them the other way round, and no lock is held
//! across an `.await`.

mod capabilities;
mod documents;
mod folders;
mod settings;
mod workspace;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

use dashmap::DashMap;
use tower_lsp_server::ls_types::Uri;

pub(crate) use capabilities::ClientFeatures;
pub(crate) use documents::DocumentStore;
pub(crate) use folders::{Folder, discover_roots, project_files};
pub(crate) use settings::ClientSettings;
pub(crate) use workspace::{BuildStats, Live, SettingsProblem, WorkspaceState};

/// What a file is to the server, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// `SKILL.md`.
    Skill,
    /// Markdown or text, checked for mentions.
    Text,
    /// `*.yaml` / `*.yml` (a config overlay when the workspace loads it).
    Yaml,
    /// `.env`.
    Env,
    /// `skills-lsp.toml`.
    Settings,
    Other,
}

impl FileKind {
    pub(crate) fn of(path: &Path) -> FileKind {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name == "SKILL.md" {
            return FileKind::Skill;
        }
        if name == ".env" {
            return FileKind::Env;
        }
        if name == skills_runtime::settings::FILE_NAME {
            return FileKind::Settings;
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("md" | "markdown" | "mdx" | "txt") => FileKind::Text,
            Some("yaml" | "yml") => FileKind::Yaml,
            _ => FileKind::Other,
        }
    }

    /// Analyzed from its buffer, file by file (config files rebuild their workspace).
    pub(crate) fn is_analyzed(self) -> bool {
        matches!(self, FileKind::Skill | FileKind::Text)
    }
}

#[derive(Debug)]
pub(crate) struct Session {
    features: OnceLock<ClientFeatures>,
    pub(crate) documents: DocumentStore,
    /// Model path → URI of every open document (so results point at the client's URI).
    open_paths: DashMap<PathBuf, Uri>,
    /// The other way round: the model path each open document got when it was opened (the
    /// path a URI maps to can change while it is open, e.g. when its directory goes away).
    open_uris: DashMap<Uri, PathBuf>,
    folders: RwLock<Vec<Folder>>,
    /// (resolved path, path as the client spells it) of every folder, for path ↔ URI
    /// conversion. A lock of its own, taken last: conversions happen while a workspace is
    /// locked, and the folders lock is taken before workspace locks.
    folder_paths: RwLock<Vec<(PathBuf, PathBuf)>>,
    /// Settings from `initializationOptions`, and the global ones pulled or pushed since
    /// (on top): the base of every folder's settings.
    init_settings: RwLock<ClientSettings>,
    global_settings: RwLock<Option<ClientSettings>>,
    /// Problems with the client's settings (shown in `skills.serverStatus`).
    pub(crate) settings_problems: RwLock<Vec<String>>,
    /// Number of `workspace/configuration` pulls started: only the answer to the latest is
    /// applied (answers can arrive out of order).
    settings_pulls: AtomicU64,
    /// Files outside every workspace folder, checked on their own.
    orphans: Arc<WorkspaceState>,
    shutdown: AtomicBool,
    pub(crate) started: Instant,
    /// Bumped whenever any diagnostics may have changed (pull clients wait on it).
    diagnostics_generation: tokio::sync::watch::Sender<u64>,
}

impl Session {
    pub(crate) fn new() -> Self {
        Session {
            features: OnceLock::new(),
            documents: DocumentStore::default(),
            open_paths: DashMap::new(),
            open_uris: DashMap::new(),
            folders: RwLock::new(Vec::new()),
            folder_paths: RwLock::new(Vec::new()),
            init_settings: RwLock::new(ClientSettings::default()),
            global_settings: RwLock::new(None),
            settings_problems: RwLock::new(Vec::new()),
            settings_pulls: AtomicU64::new(0),
            orphans: {
                let orphans = WorkspaceState::placeholder(PathBuf::new(), None);
                orphans.set_complete();
                Arc::new(orphans)
            },
            shutdown: AtomicBool::new(false),
            started: Instant::now(),
            diagnostics_generation: tokio::sync::watch::Sender::new(0),
        }
    }

    pub(crate) fn diagnostics_changed(&self) {
        self.diagnostics_generation.send_modify(|g| *g += 1);
    }

    /// Resolves at the next [`Session::diagnostics_changed`].
    pub(crate) fn watch_diagnostics(&self) -> tokio::sync::watch::Receiver<u64> {
        self.diagnostics_generation.subscribe()
    }

    pub(crate) fn features(&self) -> &ClientFeatures {
        static DEFAULT: OnceLock<ClientFeatures> = OnceLock::new();
        self.features
            .get()
            .unwrap_or_else(|| DEFAULT.get_or_init(ClientFeatures::default))
    }

    pub(crate) fn set_features(&self, features: ClientFeatures) {
        let _ = self.features.set(features);
    }

    pub(crate) fn folders(&self) -> RwLockReadGuard<'_, Vec<Folder>> {
        self.folders.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn folders_mut(&self) -> RwLockWriteGuard<'_, Vec<Folder>> {
        self.folders.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Call after adding or removing folders.
    pub(crate) fn folders_changed(&self) {
        let paths = self
            .folders()
            .iter()
            .map(|f| (f.path.clone(), f.client_path.clone()))
            .collect();
        *self.folder_paths.write().unwrap_or_else(|e| e.into_inner()) = paths;
    }

    fn folder_paths(&self) -> Vec<(PathBuf, PathBuf)> {
        self.folder_paths
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Starts a settings pull; its number, for [`Session::is_latest_settings_pull`].
    pub(crate) fn begin_settings_pull(&self) -> u64 {
        self.settings_pulls.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Whether no pull started after pull `n` (else its answer is outdated).
    pub(crate) fn is_latest_settings_pull(&self, n: u64) -> bool {
        self.settings_pulls.load(Ordering::SeqCst) == n
    }

    pub(crate) fn set_init_settings(&self, settings: ClientSettings) {
        *self
            .init_settings
            .write()
            .unwrap_or_else(|e| e.into_inner()) = settings;
    }

    pub(crate) fn set_global_settings(&self, settings: ClientSettings) {
        *self
            .global_settings
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(settings);
    }

    /// The settings outside any folder: initialization options, then the global settings.
    pub(crate) fn base_settings(&self) -> ClientSettings {
        let init = self
            .init_settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        match &*self
            .global_settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
        {
            Some(global) => init.overlay(global),
            None => init,
        }
    }

    /// The settings in force for a folder: the base settings, then the folder's own.
    pub(crate) fn folder_settings(&self, folder: &Folder) -> ClientSettings {
        let base = self.base_settings();
        match &folder.settings {
            Some(own) => base.overlay(own),
            None => base,
        }
    }

    pub(crate) fn set_shutdown(&self) {
        self.shutdown.store(true, Ordering::SeqCst);
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// Every live workspace (folders' roots, then the orphans).
    pub(crate) fn all_roots(&self) -> Vec<Arc<WorkspaceState>> {
        let mut roots: Vec<Arc<WorkspaceState>> = self
            .folders()
            .iter()
            .flat_map(|f| f.roots.iter().cloned())
            .collect();
        roots.push(self.orphans.clone());
        roots
    }

    /// The workspace a file belongs to: one whose index holds it (sources may live outside
    /// their workspace), else the deepest one containing it, else the orphans.
    pub(crate) fn root_for(&self, path: &Path) -> Arc<WorkspaceState> {
        let folders = self.folders();
        let roots = || folders.iter().flat_map(|f| f.roots.iter());
        if let Some(r) = roots().find(|r| r.indexes(path)) {
            return r.clone();
        }
        folders
            .iter()
            .filter_map(|f| f.root_containing(path))
            .max_by_key(|r| r.root.components().count())
            .cloned()
            .unwrap_or_else(|| self.orphans.clone())
    }

    /// The path the runtime uses for a document: inside a folder, the folder's resolved path
    /// plus the rest as written; elsewhere, the parent directory resolved.
    pub(crate) fn model_path(&self, uri: &Uri) -> Option<PathBuf> {
        if uri.scheme().as_str() != "file" {
            return None;
        }
        let path = uri.to_file_path()?.into_owned();
        if !path.is_absolute() {
            return None;
        }
        for (resolved, client) in self.folder_paths() {
            if let Ok(rest) = path.strip_prefix(&client) {
                return Some(resolved.join(rest));
            }
        }
        let resolved = path
            .parent()
            .and_then(|p| p.canonicalize().ok())
            .zip(path.file_name())
            .map(|(dir, name)| dir.join(name));
        Some(resolved.unwrap_or(path))
    }

    /// The model path of a document: the one it was opened with, else from its URI.
    pub(crate) fn document_path(&self, uri: &Uri) -> Option<PathBuf> {
        self.open_path(uri).or_else(|| self.model_path(uri))
    }

    /// The URI to show for a runtime path: the open document's own, else the path as the
    /// client spells its folder.
    pub(crate) fn uri_for(&self, path: &Path) -> Option<Uri> {
        if let Some(uri) = self.open_paths.get(path) {
            return Some(uri.clone());
        }
        for (resolved, client) in self.folder_paths() {
            if let Ok(rest) = path.strip_prefix(&resolved) {
                return Uri::from_file_path(client.join(rest));
            }
        }
        Uri::from_file_path(path)
    }

    pub(crate) fn document_opened(&self, path: PathBuf, uri: Uri) {
        if let Some(before) = self.open_uris.insert(uri.clone(), path.clone()) {
            self.open_paths.remove(&before);
        }
        self.open_paths.insert(path, uri);
    }

    /// Forgets an open document; the model path it was opened with.
    pub(crate) fn document_closed(&self, uri: &Uri) -> Option<PathBuf> {
        let (_, path) = self.open_uris.remove(uri)?;
        self.open_paths.remove(&path);
        Some(path)
    }

    /// The model path an open document was opened with.
    pub(crate) fn open_path(&self, uri: &Uri) -> Option<PathBuf> {
        self.open_uris.get(uri).map(|p| p.clone())
    }

    /// The open document at a runtime path.
    pub(crate) fn open_uri(&self, path: &Path) -> Option<Uri> {
        self.open_paths.get(path).map(|u| u.clone())
    }

    pub(crate) fn open_documents(&self) -> Vec<(PathBuf, Uri)> {
        self.open_paths
            .iter()
            .map(|e| (e.key().clone(), e.value().clone()))
            .collect()
    }
}
