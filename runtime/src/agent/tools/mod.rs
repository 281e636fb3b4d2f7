//! Built-in tools (spec §3): schemas offered to the model, the result envelope, workspace path
//! confinement, and dispatch. Gating (approvals) happens before dispatch, in the engine, using
//! [`GateCategory`] and [`crate::agent::safety`]; the sandbox is applied inside the shell tools.
//!
//! Entry points: [`builtin_specs`] (what the model is offered), [`category`] (which gate a call
//! goes through), [`execute`] (run one approved call), [`resolve_skill_action`] (what a
//! `skill_exec` call would run, for the approval request).
//!
//! Each tool family lives in its own module; arguments are checked the way the reference's
//! pydantic models check them ([`args`]), with the same error text.

mod apply_patch;
mod args;
mod confined;
mod files;
mod grep_files;
mod human;
mod list_dir;
mod paths;
mod plan;
mod python_repr;
mod read_file;
mod registry;
mod shell;
mod skill_tools;
mod view_image;

/// What a `skill_exec` call would run (one type, shared with the safety gate that judges it).
pub use crate::agent::safety::SkillActionIntent;
pub(crate) use paths::resolve_real;
pub(crate) use python_repr::os_error_text;
pub use registry::{builtin_specs, category, execute};
pub use skill_tools::resolve_skill_action;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

use crate::agent::cancel::CancelToken;
use crate::agent::config::RunConfig;
use crate::agent::sandbox::SandboxAdapter;
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
    /// The OS sandbox of the run, created once when the run starts (spec §5), from
    /// `config.sandbox` ([`SandboxAdapter::from_config`]); `None`: no adapter, so a restricted
    /// command is `sandbox_denied`.
    pub sandbox: Option<Arc<SandboxAdapter>>,
}

/// A tool call to execute (already validated as a JSON object and approved).
#[derive(Debug, Clone)]
pub struct ToolInvocation<'a> {
    pub call_id: &'a str,
    pub name: &'a str,
    pub args: &'a Map<String, Value>,
}

impl ToolResult {
    /// A failed result the way the reference's `error_payload` builds it: empty stdout, the
    /// message in stderr, no exit code.
    pub fn error(kind: &str, message: impl Into<String>) -> Self {
        ToolResult {
            ok: false,
            stderr: message.into(),
            error_kind: Some(kind.to_owned()),
            ..ToolResult::default()
        }
    }

    /// [`error`](Self::error) with `data`.
    pub fn error_with_data(kind: &str, message: impl Into<String>, data: Value) -> Self {
        ToolResult {
            data: Some(data),
            ..Self::error(kind, message)
        }
    }

    /// A successful result (`exit_code: 0`, as every reference tool sets it).
    pub fn success(stdout: impl Into<String>, data: Option<Value>) -> Self {
        ToolResult {
            ok: true,
            stdout: stdout.into(),
            exit_code: Some(0),
            data,
            ..ToolResult::default()
        }
    }

    pub fn with_duration(mut self, duration_ms: u64) -> Self {
        self.duration_ms = duration_ms;
        self
    }

    /// The envelope as JSON: keys in spec §3.1 order, `None`s omitted. This object goes into
    /// `tool_call_finished.payload.result`, and (serialized) into the `tool` message.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("ok".into(), Value::Bool(self.ok));
        m.insert("stdout".into(), Value::String(self.stdout.clone()));
        m.insert("stderr".into(), Value::String(self.stderr.clone()));
        if let Some(code) = self.exit_code {
            m.insert("exit_code".into(), Value::from(code));
        }
        m.insert("duration_ms".into(), Value::from(self.duration_ms));
        m.insert("truncated".into(), Value::Bool(self.truncated));
        if let Some(data) = &self.data {
            m.insert("data".into(), data.clone());
        }
        if let Some(kind) = &self.error_kind {
            m.insert("error_kind".into(), Value::String(kind.clone()));
        }
        m.insert("retryable".into(), Value::Bool(self.retryable));
        if let Some(ms) = self.retry_after_ms {
            m.insert("retry_after_ms".into(), Value::from(ms));
        }
        Value::Object(m)
    }
}
