//! Everything the server knows between messages: what the client supports, its settings,
//! the open documents, the workspace folders and the live skills workspaces inside them.
//! No protocol I/O happens here.

mod capabilities;
mod documents;
mod folders;
mod settings;
mod workspace;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

use dashmap::DashMap;
use tower_lsp_server::ls_types::Uri;

pub(crate) use capabilities::ClientFeatures;
pub(crate) use documents::DocumentStore;
pub(crate) use folders::{Folder, discover_roots};
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
    folders: RwLock<Vec<Folder>>,
    /// Settings from `initializationOptions`, and the global ones pulled or pushed since
    /// (on top): the base of every folder's settings.
    init_settings: RwLock<ClientSettings>,
    global_settings: RwLock<Option<ClientSettings>>,
    /// Problems with the client's settings (shown in `skills.serverStatus`).
    pub(crate) settings_problems: RwLock<Vec<String>>,
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
            folders: RwLock::new(Vec::new()),
            init_settings: RwLock::new(ClientSettings::default()),
            global_settings: RwLock::new(None),
            settings_problems: RwLock::new(Vec::new()),
            orphans: Arc::new(WorkspaceState::placeholder(PathBuf::new(), None)),
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

    pub(crate) fn orphans(&self) -> &Arc<WorkspaceState> {
        &self.orphans
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

    /// The workspace a file belongs to: one that checks it already (sources may live outside
    /// their workspace), else the deepest one containing it, else the orphans.
    pub(crate) fn root_for(&self, path: &Path) -> Arc<WorkspaceState> {
        let folders = self.folders();
        let roots = || folders.iter().flat_map(|f| f.roots.iter());
        if let Some(r) = roots().find(|r| r.tracks(path)) {
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
        for f in self.folders().iter() {
            if let Ok(rest) = path.strip_prefix(&f.client_path) {
                return Some(f.path.join(rest));
            }
        }
        let resolved = path
            .parent()
            .and_then(|p| p.canonicalize().ok())
            .zip(path.file_name())
            .map(|(dir, name)| dir.join(name));
        Some(resolved.unwrap_or(path))
    }

    /// The URI to show for a runtime path: the open document's own, else the path as the
    /// client spells its folder.
    pub(crate) fn uri_for(&self, path: &Path) -> Option<Uri> {
        if let Some(uri) = self.open_paths.get(path) {
            return Some(uri.clone());
        }
        for f in self.folders().iter() {
            if let Ok(rest) = path.strip_prefix(&f.path) {
                return Uri::from_file_path(f.client_path.join(rest));
            }
        }
        Uri::from_file_path(path)
    }

    pub(crate) fn document_opened(&self, path: PathBuf, uri: Uri) {
        self.open_paths.insert(path, uri);
    }

    pub(crate) fn document_closed(&self, path: &Path) {
        self.open_paths.remove(path);
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
