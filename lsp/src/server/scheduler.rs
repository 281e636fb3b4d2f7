//! The scheduler: the one task that builds workspaces, analyzes changed buffers and publishes
//! diagnostics. Handlers only record what changed (synchronously, in arrival order) and send
//! a task here; because a single task publishes, a result can never overtake a newer one, and
//! each publish reads the workspace as it is at that moment, guarded by the document version
//! its analysis reflects.
//!
//! Builds run on blocking threads; the scheduler keeps analyzing edits while one runs. Pending
//! work always goes before publishing, and open documents are published before other files,
//! so a keystroke is never queued behind the thousand files of a first build.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use skills_runtime::check::Affected;
use tokio::sync::{mpsc, oneshot};
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{FileChangeType, FileEvent, NumberOrString, Uri};

use super::build::{RootBuild, Scope, build_folder};
use super::diagnostics::{fingerprint, for_path};
use super::notifications::{Indexed, IndexedParams};
use crate::session::{BuildStats, FileKind, Session, WorkspaceState};

/// How long config and file-creation changes wait for more before a rebuild.
const REBUILD_DELAY: Duration = Duration::from_millis(150);
/// Diagnostics published between two looks at the task queue.
const PUBLISH_BATCH: usize = 32;

pub(crate) enum Task {
    /// The client sent `initialized`: notifications may flow.
    Ready,
    /// Buffers of this workspace changed: analyze them and publish.
    Flush(Arc<WorkspaceState>),
    /// A request analyzed pending buffers already: publish what changed.
    Changed(Arc<WorkspaceState>, Affected),
    /// `workspace/didChangeWatchedFiles`.
    Disk(Vec<FileEvent>),
    /// Build a folder's workspaces, now or after `REBUILD_DELAY`.
    Index {
        folder: Uri,
        scope: Scope,
        debounce: bool,
    },
    /// A debounced build is due.
    Due(Uri),
    Built(Box<Built>),
    /// Workspaces of removed folders: clear what was published for them.
    Forget(Vec<Arc<WorkspaceState>>),
}

pub(crate) struct Built {
    folder: Uri,
    scope: Scope,
    result: Result<Vec<RootBuild>, String>,
    started: Instant,
    /// Versions of the config buffers the build read.
    buffer_versions: HashMap<PathBuf, i32>,
}

#[derive(Clone, Debug)]
pub(crate) struct SchedulerHandle {
    tx: mpsc::UnboundedSender<Task>,
}

impl SchedulerHandle {
    pub(crate) fn send(&self, task: Task) {
        // Fails only once the scheduler is gone (the server is exiting).
        let _ = self.tx.send(task);
    }
}

pub(crate) fn spawn(client: Client, session: Arc<Session>) -> SchedulerHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    let scheduler = Scheduler {
        client,
        session,
        tx: tx.clone(),
        ready: false,
        deferred: Vec::new(),
        outbox: VecDeque::new(),
        queued: HashSet::new(),
        published: HashMap::new(),
        builds: HashMap::new(),
    };
    tokio::spawn(scheduler.run(rx));
    SchedulerHandle { tx }
}

/// What was last published for a file that is not open.
struct Published {
    /// The workspace (root) that published it.
    owner: PathBuf,
    fingerprint: String,
}

#[derive(Default)]
struct BuildSlot {
    running: bool,
    /// Asked for while a build was running.
    pending: Option<Scope>,
    /// Waiting for `REBUILD_DELAY`.
    debounced: Option<Scope>,
    /// Ends the `$/progress` of the running build.
    progress: Option<oneshot::Sender<String>>,
}

struct Scheduler {
    client: Client,
    session: Arc<Session>,
    tx: mpsc::UnboundedSender<Task>,
    ready: bool,
    deferred: Vec<Task>,
    /// (workspace root, file) to publish; open documents first.
    outbox: VecDeque<(PathBuf, PathBuf)>,
    queued: HashSet<PathBuf>,
    published: HashMap<PathBuf, Published>,
    builds: HashMap<Uri, BuildSlot>,
}

impl Scheduler {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Task>) {
        loop {
            while let Ok(task) = rx.try_recv() {
                self.handle(task).await;
            }
            if self.ready && !self.outbox.is_empty() {
                self.publish_batch().await;
                continue;
            }
            match rx.recv().await {
                Some(task) => self.handle(task).await,
                None => break,
            }
        }
    }

    async fn handle(&mut self, task: Task) {
        match task {
            Task::Ready => {
                self.ready = true;
                let running: Vec<Uri> = self
                    .builds
                    .iter()
                    .filter(|(_, s)| s.running)
                    .map(|(u, _)| u.clone())
                    .collect();
                for folder in running {
                    self.start_progress(&folder);
                }
                for task in std::mem::take(&mut self.deferred) {
                    Box::pin(self.handle(task)).await;
                }
            }
            Task::Index {
                folder,
                scope,
                debounce,
            } => {
                if debounce {
                    self.debounce(folder, scope);
                } else {
                    self.start_build(folder, scope);
                }
            }
            Task::Due(folder) => {
                if let Some(scope) = self
                    .builds
                    .get_mut(&folder)
                    .and_then(|s| s.debounced.take())
                {
                    self.start_build(folder, scope);
                }
            }
            task if !self.ready => self.deferred.push(task),
            Task::Flush(root) => {
                if let Some(affected) = root.flush(&self.session.documents) {
                    self.affected(&root, affected);
                }
            }
            Task::Changed(root, affected) => self.affected(&root, affected),
            Task::Disk(events) => self.disk_events(events),
            Task::Built(built) => self.install(*built).await,
            Task::Forget(roots) => {
                for root in roots {
                    self.enqueue_owned_by(&root.root);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------
    // Builds
    // ---------------------------------------------------------------------------------

    fn debounce(&mut self, folder: Uri, scope: Scope) {
        let slot = self.builds.entry(folder.clone()).or_default();
        match slot.debounced.take() {
            Some(waiting) => slot.debounced = Some(waiting.union(scope)),
            None => {
                slot.debounced = Some(scope);
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(REBUILD_DELAY).await;
                    let _ = tx.send(Task::Due(folder));
                });
            }
        }
    }

    fn start_build(&mut self, folder_uri: Uri, scope: Scope) {
        let slot = self.builds.entry(folder_uri.clone()).or_default();
        if slot.running {
            slot.pending = Some(match slot.pending.take() {
                Some(p) => p.union(scope),
                None => scope,
            });
            return;
        }
        let (path, known, settings) = {
            let mut folders = self.session.folders_mut();
            let Some(f) = folders.iter_mut().find(|f| f.uri == folder_uri) else {
                return;
            };
            f.indexing = true;
            let known: Vec<(PathBuf, Vec<PathBuf>)> = f
                .roots
                .iter()
                .map(|r| (r.root.clone(), r.read().nested.clone()))
                .collect();
            (f.path.clone(), known, self.session.folder_settings(f))
        };
        // Config buffers stand in for the files on disk.
        let mut buffers = HashMap::new();
        let mut buffer_versions = HashMap::new();
        for (p, uri) in self.session.open_documents() {
            let config_like = matches!(
                FileKind::of(&p),
                FileKind::Yaml | FileKind::Env | FileKind::Settings
            );
            if config_like && p.starts_with(&path) {
                if let Some(snap) = self.session.documents.snapshot(&uri) {
                    buffers.insert(p.clone(), snap.text.as_bytes().to_vec());
                    buffer_versions.insert(p, snap.version);
                }
            }
        }
        let slot = self.builds.entry(folder_uri.clone()).or_default();
        slot.running = true;
        if self.ready {
            self.start_progress(&folder_uri);
        }
        tracing::info!("indexing {} ({scope:?})", path.display());
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let job_scope = scope.clone();
            let result = tokio::task::spawn_blocking(move || {
                build_folder(&path, &job_scope, &known, &settings, &buffers)
            })
            .await
            .map_err(|e| format!("the build failed: {e}"));
            let _ = tx.send(Task::Built(Box::new(Built {
                folder: folder_uri,
                scope,
                result,
                started,
                buffer_versions,
            })));
        });
    }

    fn start_progress(&mut self, folder: &Uri) {
        if !self.session.features().work_done_progress {
            return;
        }
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let (done_tx, done_rx) = oneshot::channel::<String>();
        if let Some(slot) = self.builds.get_mut(folder) {
            slot.progress = Some(done_tx);
        }
        let name = self
            .session
            .folders()
            .iter()
            .find(|f| &f.uri == folder)
            .map(|f| f.name.clone())
            .unwrap_or_default();
        let client = self.client.clone();
        tokio::spawn(async move {
            let token = NumberOrString::String(format!(
                "skills-lsp/indexing/{}",
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            if client
                .create_work_done_progress(token.clone())
                .await
                .is_err()
            {
                return;
            }
            let progress = client
                .progress(token, "Indexing skills")
                .with_message(name)
                .begin()
                .await;
            let message = done_rx.await.unwrap_or_default();
            progress.finish_with_message(message).await;
        });
    }

    async fn install(&mut self, built: Built) {
        let slot = self.builds.entry(built.folder.clone()).or_default();
        slot.running = false;
        let progress = slot.progress.take();
        let pending = slot.pending.take();
        let builds = match built.result {
            Ok(b) => b,
            Err(e) => {
                tracing::error!("indexing {} failed: {e}", built.folder.as_str());
                if let Some(p) = progress {
                    let _ = p.send(format!("failed: {e}"));
                }
                if let Some(scope) = pending {
                    self.start_build(built.folder, scope);
                }
                return;
            }
        };
        let elapsed = built.started.elapsed();
        let old_roots: Vec<PathBuf>;
        let installed: Vec<Arc<WorkspaceState>> = {
            let mut folders = self.session.folders_mut();
            let Some(f) = folders.iter_mut().find(|f| f.uri == built.folder) else {
                // The folder was removed while it was being built.
                return;
            };
            f.indexing = pending.is_some();
            old_roots = f.roots.iter().map(|r| r.root.clone()).collect();
            let uri = f.uri.clone();
            let make = |b: RootBuild| {
                let state = WorkspaceState::placeholder(b.root.clone(), Some(uri.clone()));
                let stats = BuildStats { elapsed: b.elapsed };
                state.install(b.ws, b.settings, b.settings_problem, b.nested, stats);
                Arc::new(state)
            };
            match built.scope {
                Scope::Rediscover => {
                    f.roots = builds.into_iter().map(make).collect();
                    f.roots.clone()
                }
                Scope::Roots(_) => {
                    let mut done = Vec::new();
                    for b in builds {
                        let state = make(b);
                        match f.roots.iter().position(|r| r.root == state.root) {
                            Some(i) => f.roots[i] = state.clone(),
                            None => f.roots.push(state.clone()),
                        }
                        done.push(state);
                    }
                    done
                }
            }
        };
        for root in &installed {
            root.record_versions(&built.buffer_versions);
        }
        // Open buffers override what the build read from disk.
        for (path, uri) in self.session.open_documents() {
            if !FileKind::of(&path).is_analyzed() {
                continue;
            }
            let root = self.session.root_for(&path);
            if installed.iter().any(|r| Arc::ptr_eq(r, &root)) {
                root.mark_dirty(path.clone(), uri);
                // A file opened before its folder was known leaves the orphans.
                let orphans = self.session.orphans();
                if orphans.tracks(&path) {
                    orphans.disk_removed(&path);
                }
            }
        }
        for root in &installed {
            root.flush(&self.session.documents);
        }
        let skills = installed
            .iter()
            .map(|r| r.read().ws.index.skills.len())
            .sum();
        let files = installed.iter().map(|r| r.read().ws.files_checked()).sum();
        tracing::info!(
            "indexed {}: {skills} skills, {files} files in {} ms",
            built.folder.as_str(),
            elapsed.as_millis()
        );
        self.client
            .send_notification::<Indexed>(IndexedParams {
                folder: built.folder.clone(),
                skills,
                files,
                elapsed_ms: elapsed.as_millis() as u64,
            })
            .await;
        if let Some(p) = progress {
            let _ = p.send(format!("{skills} skills"));
        }
        for root in &installed {
            self.affected(root, Affected::All);
        }
        // Workspaces that no longer exist: clear what they published.
        for old in old_roots {
            if !installed.iter().any(|r| r.root == old) {
                self.enqueue_owned_by(&old);
            }
        }
        if let Some(scope) = pending {
            self.start_build(built.folder, scope);
        }
    }

    // ---------------------------------------------------------------------------------
    // Files changed on disk
    // ---------------------------------------------------------------------------------

    fn disk_events(&mut self, events: Vec<FileEvent>) {
        for ev in events {
            let Some(path) = self.session.model_path(&ev.uri) else {
                continue;
            };
            let Some(folder) = self.folder_of(&path) else {
                continue;
            };
            let open = self.session.open_uri(&path).is_some();
            let created_or_deleted = ev.typ != FileChangeType::CHANGED;
            match FileKind::of(&path) {
                FileKind::Skill if created_or_deleted => {
                    // Which source reaches a new SKILL.md is the walk's business.
                    self.debounce(folder, Scope::Rediscover);
                }
                FileKind::Skill | FileKind::Text if open => {}
                FileKind::Skill | FileKind::Text => {
                    let root = self.session.root_for(&path);
                    let affected = if ev.typ == FileChangeType::DELETED {
                        root.disk_removed(&path)
                    } else {
                        root.disk_changed(&path)
                    };
                    self.affected(&root, affected);
                }
                FileKind::Yaml => {
                    if path.ends_with("config/runtime.yaml") && created_or_deleted {
                        self.debounce(folder, Scope::Rediscover);
                    } else if !open {
                        let roots = self.roots_loading(&path);
                        if !roots.is_empty() {
                            self.debounce(folder, Scope::Roots(roots));
                        }
                    }
                }
                FileKind::Env | FileKind::Settings if !open => {
                    let roots = self.roots_at(path.parent().unwrap_or(Path::new("")));
                    if !roots.is_empty() {
                        self.debounce(folder, Scope::Roots(roots));
                    }
                }
                _ => {}
            }
        }
    }

    /// The deepest workspace folder containing `path`.
    fn folder_of(&self, path: &Path) -> Option<Uri> {
        self.session
            .folders()
            .iter()
            .filter(|f| path.starts_with(&f.path))
            .max_by_key(|f| f.path.components().count())
            .map(|f| f.uri.clone())
    }

    /// Workspaces whose configuration reads `path` as an overlay.
    fn roots_loading(&self, path: &Path) -> Vec<PathBuf> {
        self.session
            .all_roots()
            .iter()
            .filter(|r| r.read().ws.config.overlays.iter().any(|o| o.path == path))
            .map(|r| r.root.clone())
            .collect()
    }

    fn roots_at(&self, dir: &Path) -> Vec<PathBuf> {
        self.session
            .all_roots()
            .iter()
            .filter(|r| r.root == dir)
            .map(|r| r.root.clone())
            .collect()
    }

    // ---------------------------------------------------------------------------------
    // Publishing
    // ---------------------------------------------------------------------------------

    /// Diagnostics of `affected` files of `root` changed.
    fn affected(&mut self, root: &Arc<WorkspaceState>, affected: Affected) {
        let features = self.session.features();
        if features.pull_diagnostics {
            self.session.diagnostics_changed();
            let others = match &affected {
                Affected::All => true,
                Affected::Files(paths) => paths.len() > 1,
            };
            if others && features.diagnostic_refresh {
                let client = self.client.clone();
                tokio::spawn(async move {
                    let _ = client.workspace_diagnostic_refresh().await;
                });
            }
            return;
        }
        match affected {
            Affected::Files(paths) => {
                for p in paths {
                    self.enqueue(&root.root, p);
                }
            }
            Affected::All => {
                for p in root.paths_with_diagnostics() {
                    self.enqueue(&root.root, p);
                }
                self.enqueue_owned_by(&root.root);
            }
        }
    }

    /// Every file `root` published diagnostics for (to re-check, or to clear).
    fn enqueue_owned_by(&mut self, root: &Path) {
        let owned: Vec<PathBuf> = self
            .published
            .iter()
            .filter(|(_, p)| p.owner == root)
            .map(|(path, _)| path.clone())
            .collect();
        for p in owned {
            self.enqueue(root, p);
        }
    }

    fn enqueue(&mut self, root: &Path, path: PathBuf) {
        if !self.queued.insert(path.clone()) {
            return;
        }
        if self.session.open_uri(&path).is_some() {
            self.outbox.push_front((root.to_path_buf(), path));
        } else {
            self.outbox.push_back((root.to_path_buf(), path));
        }
    }

    async fn publish_batch(&mut self) {
        let roots = self.session.all_roots();
        let mut out = Vec::new();
        for _ in 0..PUBLISH_BATCH {
            let Some((root_path, path)) = self.outbox.pop_front() else {
                break;
            };
            self.queued.remove(&path);
            let Some(uri) = self.session.uri_for(&path) else {
                continue;
            };
            let open_version = self.session.documents.version(&uri);
            let (items, analyzed) = match roots.iter().find(|r| r.root == root_path) {
                Some(root) => {
                    let live = root.read();
                    (
                        for_path(&live, &path, &self.session),
                        live.versions.get(&path).copied(),
                    )
                }
                // The workspace is gone: clear.
                None => (Vec::new(), None),
            };
            let version = match (open_version, analyzed) {
                (Some(v), Some(a)) if v == a => Some(v),
                // A newer version is on its way to analysis; its publish will follow.
                (Some(_), Some(_)) => continue,
                (Some(v), None) => Some(v),
                (None, _) => None,
            };
            let fp = fingerprint(&items);
            if open_version.is_none() {
                match self.published.get(&path) {
                    Some(p) if p.fingerprint == fp => continue,
                    None if items.is_empty() => continue,
                    _ => {}
                }
            }
            if items.is_empty() {
                self.published.remove(&path);
            } else {
                self.published.insert(
                    path,
                    Published {
                        owner: root_path,
                        fingerprint: fp,
                    },
                );
            }
            out.push((uri, items, version));
        }
        for (uri, items, version) in out {
            self.client.publish_diagnostics(uri, items, version).await;
        }
    }
}
