//! Built-in tools (spec §3): schemas offered to the model, the result envelope, workspace path
//! confinement, and dispatch. Gating (approvals) happens before dispatch, in the engine, using
//! [`GateCategory`] and [`crate::agent::safety`]; the sandbox is applied inside the shell tools.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

use crate::agent::cancel::CancelToken;
use crate::agent::config::RunConfig;
use crate::index::SkillIndex;

/// Which gate a tool goes through (spec §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateCategory {
    Shell,
    File,
    Custom,
    /// Always allowed, no approval.
    None,
}

/// `ToolResultPayload` (spec §3.1). Serialized with keys in this field order, `None`s omitted.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolResult {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
    pub exit_code: Option<i64>,
    pub duration_ms: u64,
    pub truncated: bool,
    pub data: Option<Value>,
    pub error_kind: Option<String>,
    pub retryable: bool,
    pub retry_after_ms: Option<u64>,
}

/// Events a tool emits while it runs (`human_request`, `human_response`, `plan_updated`); the
/// engine wraps them in the envelope and appends them to the WAL.
pub trait ToolEventSink: Send + Sync {
    fn emit(&self, event_type: &str, payload: Value);
}

/// A human to ask (`ask_human`, `request_user_input`). `None` from [`ask`](Self::ask): no answer.
pub trait HumanIo: Send + Sync {
    fn ask(
        &self,
        call_id: &str,
        question: &str,
        choices: &[String],
        context: &Value,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<String>> + Send + '_>>;
}

/// Everything a tool may use. Built once per run by the engine.
#[derive(Clone)]
pub struct ToolContext {
    /// Canonical (symlink-resolved) workspace root.
    pub workspace_root: PathBuf,
    pub config: Arc<RunConfig>,
    /// The run's env store (secrets the user provided); merged into every child's env.
    pub env_store: Arc<Mutex<HashMap<String, String>>>,
    pub cancel: CancelToken,
    pub human: Option<Arc<dyn HumanIo>>,
    pub events: Arc<dyn ToolEventSink>,
    /// For `skill_ref_read` / `skill_exec`.
    pub skills: Arc<SkillIndex>,
}

/// A tool call to execute (already validated as a JSON object and approved).
#[derive(Debug, Clone)]
pub struct ToolInvocation<'a> {
    pub call_id: &'a str,
    pub name: &'a str,
    pub args: &'a Map<String, Value>,
}
