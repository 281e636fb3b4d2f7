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

use super::build::{BuildEvent, BuildInput, RootBuild, Scope, build_folder};
use super::diagnostics::{fingerprint, for_path};
use super::notifications::{Indexed, IndexedParams};
use crate::session::{BuildStats, FileKind, Folder, Session, WorkspaceState};

/// How long config and file-creation changes wait for more before a rebuild.
const REBUILD_DELAY: Duration = Duration::from_millis(150);
/// Diagnostics of open documents published between two looks at the task queue.
const PUBLISH_BATCH: usize = 32;
/// Diagnostics of other files published per `BACKGROUND_PACE`.
const BACKGROUND_BATCH: usize = 16;
const BACKGROUND_PACE: Duration = Duration::from_millis(2);
/// Files that are not open get their diagnostics once edits pause this long.
const TYPING_PAUSE: Duration = Duration::from_millis(100);

/// The version guard: with what version a file's diagnostics go out, given the version of
/// its open document (`None`: not open) and the version its analysis reflects. `None`: not
/// now — a newer version is on its way to analysis, and its publish will follow.
pub(crate) fn publish_version(
    open: Option<i32>,
    analyzed: Option<i32>,
    analyzed_from_buffer: bool,
) -> Option<Option<i32>> {
    match (open, analyzed) {
        (Some(v), Some(a)) if v == a => Some(Some(v)),
        (Some(_), Some(_)) => None,
        // Reopened, not analyzed yet: the workspace still holds the disk content.
        (Some(_), None) if analyzed_from_buffer => None,
        // A config file open with the content the workspace read from disk.
        (Some(v), None) => Some(Some(v)),
        (None, _) => Some(None),
    }
}

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

/// A step of a folder build, in order.
pub(crate) struct Built {
    folder: Uri,
    outcome: Result<BuildEvent, String>,
    started: Instant,
    /// Versions of the config buffers the build read.
    buffer_versions: Arc<HashMap<PathBuf, i32>>,
}

impl Built {
    /// Nothing else follows for this build.
    fn is_last(&self) -> bool {
        match &self.outcome {
            Ok(BuildEvent::Indexed { last, .. }) => *last,
            _ => true,
        }
    }
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
        last_edit: Instant::now(),
        refresh: None,
    };
    tokio::spawn(scheduler.run(rx));
    SchedulerHandle { tx }
}

/// What was last published for a file.
struct Published {
    /// Where it was published (the client's URI of an open document stays in use after it
    /// is closed, so that what follows replaces it).
    uri: Uri,
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
    /// When a buffer last changed.
    last_edit: Instant,
    /// Asks the task that sends `workspace/diagnostic/refresh` (started on first use) for
    /// one more; asks while one is pending coalesce, so a client slow to answer (or that
    /// never does) does not pile up requests.
    refresh: Option<mpsc::Sender<()>>,
}

impl Scheduler {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Task>) {
        loop {
            while let Ok(task) = rx.try_recv() {
                self.handle(task).await;
            }
            if self.ready && !self.outbox.is_empty() {
                let open_first = self
                    .outbox
                    .front()
                    .is_some_and(|(_, p)| self.session.open_uri(p).is_some());
                if open_first {
                    self.publish_batch(PUBLISH_BATCH).await;
                    continue;
                }
                // Files that are not open: while the user is not typing, and a few at a time,
                // leaving the client time to read them, so that the diagnostics of what the
                // user types next are never queued behind thousands of others.
                let quiet = self.last_edit.elapsed();
                let wait = if quiet >= TYPING_PAUSE {
                    self.publish_batch(BACKGROUND_BATCH).await;
                    BACKGROUND_PACE
                } else {
                    TYPING_PAUSE - quiet
                };
                tokio::select! {
                    task = rx.recv() => match task {
                        Some(task) => self.handle(task).await,
                        None => break,
                    },
                    () = tokio::time::sleep(wait) => {}
                }
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
                let started = Instant::now();
                self.last_edit = started;
                if let Some(affected) = self.flush_off_thread(root.clone()).await {
                    tracing::debug!(
                        "analyzed {} in {:?}: {affected:?}",
                        root.root.display(),
                        started.elapsed()
                    );
                    self.affected(&root, affected);
                }
            }
            Task::Changed(root, affected) => self.affected(&root, affected),
            Task::Disk(events) => {
                let updates = self.disk_events(events);
                self.update_from_disk(updates).await;
            }
            Task::Built(built) => self.built(*built).await,
            Task::Forget(roots) => {
                for root in &roots {
                    self.rehome_open_documents(root).await;
                }
                for root in roots {
                    self.enqueue_owned_by(&root.root);
                }
                self.forget_build_slots();
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
        let (roots, mut input) = {
            let mut folders = self.session.folders_mut();
            let Some(i) = folders.iter().position(|f| f.uri == folder_uri) else {
                // The folder was removed (a debounced build came due after it).
                drop(folders);
                self.builds.remove(&folder_uri);
                return;
            };
            let path = folders[i].path.clone();
            let excluded: Vec<PathBuf> = folders
                .iter()
                .filter(|o| o.path != path && o.path.starts_with(&path))
                .map(|o| o.path.clone())
                .collect();
            let f = &mut folders[i];
            f.indexing = true;
            let input = BuildInput {
                known: Vec::new(),
                client: self.session.folder_settings(f),
                folder: path,
                scope,
                excluded,
                buffers: HashMap::new(),
            };
            (f.roots.clone(), input)
        };
        // Workspace locks are taken after the folders lock is released.
        input.known = roots
            .iter()
            .map(|r| (r.root.clone(), r.read().nested.clone()))
            .collect();
        // Config buffers stand in for the files on disk.
        let mut buffer_versions = HashMap::new();
        for (p, uri) in self.session.open_documents() {
            let config_like = matches!(
                FileKind::of(&p),
                FileKind::Yaml | FileKind::Env | FileKind::Settings
            );
            if config_like && p.starts_with(&input.folder) {
                if let Some(snap) = self.session.documents.snapshot(&uri) {
                    input
                        .buffers
                        .insert(p.clone(), snap.text.as_bytes().to_vec());
                    buffer_versions.insert(p, snap.version);
                }
            }
        }
        let buffer_versions = Arc::new(buffer_versions);
        let slot = self.builds.entry(folder_uri.clone()).or_default();
        slot.running = true;
        if self.ready {
            self.start_progress(&folder_uri);
        }
        tracing::info!("indexing {} ({:?})", input.folder.display(), input.scope);
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let send = {
                let (tx, folder, versions) =
                    (tx.clone(), folder_uri.clone(), buffer_versions.clone());
                move |outcome: Result<BuildEvent, String>| {
                    let _ = tx.send(Task::Built(Box::new(Built {
                        folder: folder.clone(),
                        outcome,
                        started,
                        buffer_versions: versions.clone(),
                    })));
                }
            };
            let emit = send.clone();
            let run =
                tokio::task::spawn_blocking(move || build_folder(&input, |event| emit(Ok(event))))
                    .await;
            if let Err(e) = run {
                send(Err(format!("the build failed: {e}")));
            }
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

    async fn built(&mut self, built: Built) {
        let last = built.is_last();
        let (progress, pending) = {
            let slot = self.builds.entry(built.folder.clone()).or_default();
            if last {
                slot.running = false;
                (slot.progress.take(), slot.pending.take())
            } else {
                (None, None)
            }
        };
        let summary = match built.outcome {
            Err(e) => {
                tracing::error!("indexing {} failed: {e}", built.folder.as_str());
                // Nothing more is coming for this build: requests waiting for the folder's
                // workspaces, and their held diagnostics, go on with what there is.
                for root in self.folder_roots(&built.folder) {
                    root.set_complete();
                }
                format!("failed: {e}")
            }
            Ok(BuildEvent::Indexed {
                roots,
                replace_all,
                last,
            }) => {
                let elapsed = built.started.elapsed();
                let installed = self.install_roots(&built.folder, roots, replace_all);
                if last {
                    for root in &installed {
                        root.set_complete();
                    }
                }
                for root in &installed {
                    root.record_versions(&built.buffer_versions);
                }
                self.adopt_open_documents(&installed).await;
                let (skills, files) = self.counts(&built.folder);
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
                for root in &installed {
                    self.affected(root, Affected::All);
                }
                format!("{skills} skills")
            }
            Ok(BuildEvent::MentionFiles { extras, nested }) => {
                let roots = self.folder_roots(&built.folder);
                for (root, nested_list, files) in extras {
                    if let Some(state) = roots.iter().find(|r| r.root == root) {
                        state.add_mention_files(nested_list, files);
                        state.set_complete();
                        // Diagnostics were held until now: publish them all.
                        self.affected(state, Affected::All);
                    }
                }
                if let Some(nested) = nested {
                    let installed = self.install_nested(&built.folder, nested);
                    for root in &installed {
                        root.record_versions(&built.buffer_versions);
                        root.set_complete();
                    }
                    self.adopt_open_documents(&installed).await;
                    for root in &installed {
                        self.affected(root, Affected::All);
                    }
                }
                let (skills, _) = self.counts(&built.folder);
                format!("{skills} skills")
            }
        };
        if last {
            if let Some(f) = self
                .session
                .folders_mut()
                .iter_mut()
                .find(|f| f.uri == built.folder)
            {
                f.indexing = pending.is_some();
            }
            if let Some(p) = progress {
                let _ = p.send(summary);
            }
            if let Some(scope) = pending {
                self.start_build(built.folder, scope);
            }
            self.forget_build_slots();
        }
    }

    /// Drops the build state of folders that were removed (once their build is over), so
    /// that adding and removing folders does not grow the map.
    fn forget_build_slots(&mut self) {
        let folders: Vec<Uri> = self
            .session
            .folders()
            .iter()
            .map(|f| f.uri.clone())
            .collect();
        self.builds
            .retain(|uri, slot| slot.running || folders.contains(uri));
    }

    fn folder_roots(&self, folder: &Uri) -> Vec<Arc<WorkspaceState>> {
        self.session
            .folders()
            .iter()
            .find(|f| &f.uri == folder)
            .map(|f| f.roots.clone())
            .unwrap_or_default()
    }

    /// Skills and files checked in every workspace of a folder.
    fn counts(&self, folder: &Uri) -> (usize, usize) {
        let roots = self.folder_roots(folder);
        let skills = roots.iter().map(|r| r.read().ws.index.skills.len()).sum();
        let files = roots.iter().map(|r| r.read().ws.files_checked()).sum();
        (skills, files)
    }

    fn state_of(folder: &Uri, b: RootBuild) -> Arc<WorkspaceState> {
        let state = WorkspaceState::placeholder(b.root.clone(), Some(folder.clone()));
        let stats = BuildStats { elapsed: b.elapsed };
        state.install(b.ws, b.settings, b.settings_problem, b.nested, stats);
        Arc::new(state)
    }

    /// Puts fresh workspaces in their folder: all of its workspaces, or in place of those with
    /// the same roots.
    fn install_roots(
        &mut self,
        folder: &Uri,
        builds: Vec<RootBuild>,
        replace_all: bool,
    ) -> Vec<Arc<WorkspaceState>> {
        self.install(folder, builds, |f, installed| {
            if replace_all {
                let gone = f
                    .roots
                    .iter()
                    .filter(|r| !installed.iter().any(|i| i.root == r.root))
                    .map(|r| r.root.clone())
                    .collect();
                f.roots = installed.to_vec();
                return gone;
            }
            for state in installed {
                match f.roots.iter().position(|r| r.root == state.root) {
                    Some(i) => f.roots[i] = state.clone(),
                    None => f.roots.push(state.clone()),
                }
            }
            Vec::new()
        })
    }

    /// The workspaces found nested in a folder replace the nested ones it had.
    fn install_nested(&mut self, folder: &Uri, builds: Vec<RootBuild>) -> Vec<Arc<WorkspaceState>> {
        self.install(folder, builds, |f, installed| {
            let outer = f.path.clone();
            let gone = f
                .roots
                .iter()
                .filter(|r| r.root != outer && !installed.iter().any(|i| i.root == r.root))
                .map(|r| r.root.clone())
                .collect();
            f.roots.retain(|r| r.root == outer);
            f.roots.extend(installed.iter().cloned());
            gone
        })
    }

    /// Makes workspaces of fresh builds and lets `place` put them in their folder (under the
    /// folders lock); the workspaces `place` reports gone get their diagnostics cleared.
    /// Nothing is installed when the folder was removed while it was being built.
    fn install(
        &mut self,
        folder: &Uri,
        builds: Vec<RootBuild>,
        place: impl FnOnce(&mut Folder, &[Arc<WorkspaceState>]) -> Vec<PathBuf>,
    ) -> Vec<Arc<WorkspaceState>> {
        let (installed, gone) = {
            let mut folders = self.session.folders_mut();
            let Some(f) = folders.iter_mut().find(|f| &f.uri == folder) else {
                return Vec::new();
            };
            let installed: Vec<Arc<WorkspaceState>> = builds
                .into_iter()
                .map(|b| Self::state_of(folder, b))
                .collect();
            let gone = place(f, &installed);
            (installed, gone)
        };
        for root in gone {
            self.enqueue_owned_by(&root);
        }
        installed
    }

    /// Open buffers override what a build read from disk: every open document that belongs
    /// to one of `installed` is analyzed there again, and leaves any other workspace that
    /// checked it as an extra file (the orphans, or a workspace it was nested in).
    async fn adopt_open_documents(&mut self, installed: &[Arc<WorkspaceState>]) {
        for (path, uri) in self.session.open_documents() {
            if !FileKind::of(&path).is_analyzed() {
                continue;
            }
            let owner = self.session.root_for(&path);
            if !installed.iter().any(|r| Arc::ptr_eq(r, &owner)) {
                continue;
            }
            owner.mark_dirty(path.clone(), uri);
            for other in self.session.all_roots() {
                if !Arc::ptr_eq(&other, &owner) && other.checks_extra(&path) {
                    let affected = other.remove_extra(&path);
                    self.affected(&other, affected);
                }
            }
        }
        for root in installed {
            self.flush_off_thread(root.clone()).await;
        }
    }

    /// The open documents a removed workspace analyzed are analyzed again where they belong
    /// now (another folder, or the orphans), so their diagnostics follow.
    async fn rehome_open_documents(&mut self, gone: &WorkspaceState) {
        let paths: Vec<PathBuf> = gone.read().versions.keys().cloned().collect();
        let mut owners: Vec<Arc<WorkspaceState>> = Vec::new();
        for path in paths {
            let Some(uri) = self.session.open_uri(&path) else {
                continue;
            };
            if !FileKind::of(&path).is_analyzed() {
                continue;
            }
            let owner = self.session.root_for(&path);
            owner.mark_dirty(path, uri);
            if !owners.iter().any(|o| Arc::ptr_eq(o, &owner)) {
                owners.push(owner);
            }
        }
        for owner in owners {
            if let Some(affected) = self.flush_off_thread(owner.clone()).await {
                self.affected(&owner, affected);
            }
        }
    }

    /// [`WorkspaceState::flush`] on the blocking pool: an edit can re-link the whole index
    /// (a skill renamed), and closing a buffer reads the file back from disk.
    async fn flush_off_thread(&self, root: Arc<WorkspaceState>) -> Option<Affected> {
        let session = self.session.clone();
        tokio::task::spawn_blocking(move || root.flush(&session.documents))
            .await
            .unwrap_or_else(|e| {
                tracing::error!("analyzing changed buffers failed: {e}");
                None
            })
    }

    /// Files changed or deleted on disk, read and analyzed again on the blocking pool.
    async fn update_from_disk(&mut self, updates: Vec<(Arc<WorkspaceState>, PathBuf, bool)>) {
        if updates.is_empty() {
            return;
        }
        let done = tokio::task::spawn_blocking(move || {
            updates
                .into_iter()
                .map(|(root, path, deleted)| {
                    let affected = if deleted {
                        root.disk_removed(&path)
                    } else {
                        root.disk_changed(&path)
                    };
                    (root, affected)
                })
                .collect::<Vec<_>>()
        })
        .await;
        match done {
            Ok(done) => {
                for (root, affected) in done {
                    self.affected(&root, affected);
                }
            }
            Err(e) => tracing::error!("analyzing files changed on disk failed: {e}"),
        }
    }

    // ---------------------------------------------------------------------------------
    // Files changed on disk
    // ---------------------------------------------------------------------------------

    /// Schedules the rebuilds the events ask for; returns the files to analyze again from
    /// disk, each with its workspace and whether it was deleted.
    fn disk_events(&mut self, events: Vec<FileEvent>) -> Vec<(Arc<WorkspaceState>, PathBuf, bool)> {
        let mut updates = Vec::new();
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
                    updates.push((root, path, ev.typ == FileChangeType::DELETED));
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
        updates
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
                self.request_refresh();
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
                // Open documents always hear back, clean or not.
                let open: Vec<PathBuf> = root.read().versions.keys().cloned().collect();
                for p in open.into_iter().chain(root.paths_with_diagnostics()) {
                    self.enqueue(&root.root, p);
                }
                self.enqueue_owned_by(&root.root);
            }
        }
    }

    fn request_refresh(&mut self) {
        let tx = self.refresh.get_or_insert_with(|| {
            let (tx, mut rx) = mpsc::channel::<()>(1);
            let client = self.client.clone();
            // Ends with the scheduler (its sender).
            tokio::spawn(async move {
                while rx.recv().await.is_some() {
                    let _ = client.workspace_diagnostic_refresh().await;
                }
            });
            tx
        });
        // Full: a refresh is queued already, and it will cover this change too.
        let _ = tx.try_send(());
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

    async fn publish_batch(&mut self, at_most: usize) {
        let roots = self.session.all_roots();
        let mut out = Vec::new();
        for _ in 0..at_most {
            let Some((root_path, path)) = self.outbox.pop_front() else {
                break;
            };
            self.queued.remove(&path);
            let uri = match self.session.open_uri(&path) {
                Some(uri) => uri,
                None => match self.published.get(&path) {
                    Some(p) => p.uri.clone(),
                    None => match self.session.uri_for(&path) {
                        Some(uri) => uri,
                        None => continue,
                    },
                },
            };
            let open_version = self.session.documents.version(&uri);
            // When the workspace is gone, an open document shows what its owner now says
            // (that owner publishes it too, and this entry may have taken its place in the
            // queue); any other file is cleared.
            let root = roots
                .iter()
                .find(|r| r.root == root_path)
                .cloned()
                .or_else(|| open_version.map(|_| self.session.root_for(&path)));
            let (items, analyzed, owner) = match root {
                // Held until the workspace is complete (it then publishes everything).
                Some(root) if !root.is_complete() => continue,
                Some(root) => {
                    let live = root.read();
                    (
                        for_path(&live, &path, &self.session),
                        live.versions.get(&path).copied(),
                        root.root.clone(),
                    )
                }
                None => (Vec::new(), None, root_path),
            };
            let Some(version) =
                publish_version(open_version, analyzed, FileKind::of(&path).is_analyzed())
            else {
                continue;
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
                        uri: uri.clone(),
                        owner,
                        fingerprint: fp,
                    },
                );
            }
            out.push((uri, items, version));
        }
        for (uri, items, version) in out {
            tracing::trace!("publishing {} (version {version:?})", uri.as_str());
            self.client.publish_diagnostics(uri, items, version).await;
        }
    }
}
