//! The run engine (spec §1): [`start`] a run and get a [`RunHandle`] — an async stream of
//! [`Event`]s (exactly what the WAL holds, in the same order), a [`CancelToken`], and the final
//! [`RunResult`]. Approvals come from whatever [`ApprovalProvider`] the caller plugs in (a
//! terminal prompt, an editor, rules); nothing here knows about terminals or editors.
//!
//! ```no_run
//! # async fn demo(setup: skills_runtime::agent::run::RunSetup) {
//! use skills_runtime::agent::run::{start, RunRequest};
//! let mut handle = start(setup, RunRequest::new("summarize README.md")).unwrap();
//! while let Some(event) = handle.next_event().await {
//!     println!("{}", event.kind);
//! }
//! let result = handle.wait().await;
//! # }
//! ```
//!
//! Module map: [`engine`](self) runs the turn loop and the tool phase; `emitter` writes events
//! (WAL, then stream); `arguments` validates tool arguments like CPython's `json`; `resume`
//! summarizes a previous segment of the same run id; [`failure`] builds `run_failed` payloads;
//! [`toolset`](ToolSet) is the seam between the engine and the tools.

mod arguments;
mod emitter;
mod engine;
pub mod failure;
mod resume;
mod tool_phase;
mod toolset;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use tokio::sync::mpsc;

use crate::agent::approvals::{ApprovalProvider, ApprovalSession};
use crate::agent::cancel::CancelToken;
use crate::agent::config::{EngineConfig, RunConfig};
use crate::agent::events::{Event, kinds};
use crate::agent::llm::ChatBackend;
use crate::agent::prompt::PromptBuilder;
use crate::agent::tools::HumanIo;
use crate::agent::wal::{self, WalWriter};
use crate::config::{LoadOptions, WorkspaceConfig};
use crate::index::SkillIndex;

pub use failure::RunFailure;
pub use toolset::{BuiltinTools, ExtendedTools, ToolFuture, ToolSet};

/// State shared by the runs of one session (the reference's `Agent` instance): approvals
/// granted `approved_for_session`, and env vars collected from the user (only keys a run adds
/// are merged back when it ends).
#[derive(Debug, Default)]
pub struct AgentSession {
    pub approvals: ApprovalSession,
    env_vars: Mutex<HashMap<String, String>>,
}

impl AgentSession {
    pub fn new() -> Arc<Self> {
        Arc::new(AgentSession::default())
    }

    /// Values runs of this session know without asking (secrets: redacted from the WAL).
    pub fn set_env_var(&self, name: &str, value: &str) {
        emitter::lock(&self.env_vars).insert(name.to_string(), value.to_string());
    }

    pub fn env_vars(&self) -> HashMap<String, String> {
        emitter::lock(&self.env_vars).clone()
    }
}

/// Everything a run needs besides its task.
#[derive(Clone)]
pub struct RunSetup {
    /// The loaded workspace configuration (its root is the workspace root).
    pub workspace: Arc<WorkspaceConfig>,
    /// The skill index the task's mentions resolve through.
    pub index: Arc<SkillIndex>,
    pub config: Arc<RunConfig>,
    pub engine: EngineConfig,
    /// `None`: the run fails with `config_error` before its first turn (as upstream).
    pub backend: Option<Arc<dyn ChatBackend>>,
    /// `None`: a call that needs approval fails the run (`config_error`, spec §4.8).
    pub approvals: Option<Arc<dyn ApprovalProvider>>,
    /// `None`: `ask_human`/`request_user_input` end the run in `run_waiting_human`.
    pub human: Option<Arc<dyn HumanIo>>,
    pub tools: Arc<dyn ToolSet>,
    pub session: Arc<AgentSession>,
    /// Absolute paths of the overlays, for `run_started.config_summary.config_overlays`.
    pub config_overlays: Vec<String>,
    pub profile_id: Option<String>,
}

impl RunSetup {
    /// A setup reading its settings from the workspace configuration, with the built-in tools,
    /// a fresh session, and no backend or providers yet.
    pub fn new(workspace: Arc<WorkspaceConfig>, index: Arc<SkillIndex>) -> RunSetup {
        let config_overlays = workspace
            .overlays
            .iter()
            .map(|o| o.path.to_string_lossy().into_owned())
            .collect();
        RunSetup {
            config: Arc::new(RunConfig::from_workspace(&workspace)),
            engine: EngineConfig::from_workspace(&workspace),
            workspace,
            index,
            backend: None,
            approvals: None,
            human: None,
            tools: Arc::new(BuiltinTools),
            session: AgentSession::new(),
            config_overlays,
            profile_id: None,
        }
    }

    /// Loads the workspace configuration (overlays, `.env`) and builds the skill index, then
    /// [`new`](Self::new). A configuration the reference would refuse to load is an error
    /// listing its findings: no run starts on it.
    pub fn load(opts: &LoadOptions) -> Result<RunSetup, String> {
        let cfg = crate::config::load(opts);
        if !cfg.loads && cfg.has_overlays() {
            let errors: Vec<String> = cfg
                .diagnostics
                .iter()
                .filter(|d| d.severity == crate::diagnostic::Severity::Error)
                .map(|d| {
                    format!(
                        "{}:{}: {}",
                        d.path.display(),
                        d.range.start.line + 1,
                        d.message
                    )
                })
                .collect();
            return Err(format!(
                "the workspace configuration does not load:\n  {}",
                errors.join("\n  ")
            ));
        }
        let index = crate::index::build(
            &cfg,
            crate::rules::Profile::Runtime,
            &crate::index::Discovery::default(),
        );
        Ok(RunSetup::new(Arc::new(cfg), Arc::new(index)))
    }

    pub fn workspace_root(&self) -> &Path {
        &self.workspace.workspace_root
    }
}

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    pub task: String,
    /// `None`: a new `run_<uuid4 hex>`. An id that already has events resumes it (§6.6).
    pub run_id: Option<String>,
    /// Earlier conversation (`user`/`assistant` string messages only); suppresses the resume
    /// summary.
    pub initial_history: Option<Vec<serde_json::Value>>,
}

impl RunRequest {
    pub fn new(task: impl Into<String>) -> Self {
        RunRequest {
            task: task.into(),
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Completed,
    Failed,
    Cancelled,
    WaitingHuman,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::WaitingHuman => "waiting_human",
        }
    }

    /// The status a terminal event type stands for.
    pub fn of_terminal(kind: &str) -> Option<RunStatus> {
        match kind {
            kinds::RUN_COMPLETED => Some(RunStatus::Completed),
            kinds::RUN_FAILED => Some(RunStatus::Failed),
            kinds::RUN_CANCELLED => Some(RunStatus::Cancelled),
            kinds::RUN_WAITING_HUMAN => Some(RunStatus::WaitingHuman),
            _ => None,
        }
    }
}

/// The outcome of a run invocation (spec §1.8).
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    pub status: RunStatus,
    /// `run_completed.final_output`, otherwise the terminal event's `message`.
    pub final_output: String,
    /// Always empty, as upstream.
    pub artifacts: Vec<String>,
    /// Absolute path of `events.jsonl`.
    pub wal_locator: String,
}

/// Why a run could not start (nothing was written).
#[derive(Debug, Clone, PartialEq)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// A running run: its events, its cancellation, its result.
pub struct RunHandle {
    run_id: String,
    wal_path: PathBuf,
    events: mpsc::UnboundedReceiver<Event>,
    cancel: CancelToken,
    task: tokio::task::JoinHandle<RunResult>,
}

impl RunHandle {
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// `<ws>/.skills_runtime_sdk/runs/<run_id>/events.jsonl`.
    pub fn wal_path(&self) -> &Path {
        &self.wal_path
    }

    /// Cancels the run: it stops at its next checkpoint (streaming, between calls, inside shell
    /// commands — whose process groups are killed) with `run_cancelled`.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    pub fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }

    /// The next event, `None` once the terminal event has been delivered.
    pub async fn next_event(&mut self) -> Option<Event> {
        self.events.recv().await
    }

    /// An event already emitted, without waiting.
    pub fn try_next_event(&mut self) -> Option<Event> {
        self.events.try_recv().ok()
    }

    /// Waits for the end of the run (events not yet read are dropped; the WAL has them).
    pub async fn wait(self) -> RunResult {
        let RunHandle {
            task,
            mut events,
            wal_path,
            ..
        } = self;
        events.close();
        match task.await {
            Ok(r) => r,
            Err(e) => RunResult {
                status: RunStatus::Failed,
                final_output: format!("the run task failed: {e}"),
                artifacts: Vec::new(),
                wal_locator: wal_path.to_string_lossy().into_owned(),
            },
        }
    }
}

/// A run id must name one directory under `runs/`.
fn valid_run_id(id: &str) -> bool {
    !id.is_empty() && id != "." && id != ".." && !id.contains(['/', '\\', '\0']) && id.len() <= 200
}

/// Starts a run on the current tokio runtime. Fails (writing nothing) when the run id is not a
/// plain name, the prompt settings are invalid, or the WAL cannot be opened.
pub fn start(setup: RunSetup, request: RunRequest) -> Result<RunHandle, StartError> {
    let run_id = request
        .run_id
        .clone()
        .unwrap_or_else(|| format!("run_{}", uuid::Uuid::new_v4().simple()));
    if !valid_run_id(&run_id) {
        return Err(StartError(format!(
            "invalid run id `{run_id}`: it must be a plain file name"
        )));
    }
    let prompt = PromptBuilder::new(&setup.config.prompt, &setup.engine)
        .map_err(|e| StartError(format!("invalid prompt settings: {e}")))?;
    let wal_path = wal::events_path(setup.workspace_root(), &run_id);
    let previous = wal::read_events(&wal_path, Some(&run_id))
        .map_err(|e| StartError(format!("cannot read {}: {e}", wal_path.display())))?
        .events;
    let writer = WalWriter::open(&wal_path)
        .map_err(|e| StartError(format!("cannot open {}: {e}", wal_path.display())))?;
    let (tx, rx) = mpsc::unbounded_channel();
    let cancel = CancelToken::new();
    let emitter = Arc::new(emitter::Emitter::new(&run_id, writer, tx));
    let wal_locator = wal_path.to_string_lossy().into_owned();
    let run = engine::Run::new(
        setup,
        request,
        prompt,
        emitter.clone(),
        cancel.clone(),
        wal_locator.clone(),
        previous,
    );
    let task = tokio::spawn(async move {
        match std::panic::AssertUnwindSafe(run.execute())
            .catch_unwind()
            .await
        {
            Ok(result) => result,
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".into());
                let failure = RunFailure::new("unknown", format!("internal error: {what}"));
                emitter.emit(emitter.event(kinds::RUN_FAILED, failure.payload(&wal_locator)));
                RunResult {
                    status: RunStatus::Failed,
                    final_output: failure.message,
                    artifacts: Vec::new(),
                    wal_locator,
                }
            }
        }
    });
    Ok(RunHandle {
        run_id,
        wal_path,
        events: rx,
        cancel,
        task,
    })
}
