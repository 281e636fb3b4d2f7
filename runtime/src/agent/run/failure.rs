//! `run_failed` payloads (spec §1.9): the reference's `error_kind` catalogue with its messages.

use serde_json::{Map, Value, json};

use crate::agent::llm::LlmError;

/// Why a run failed; becomes the `run_failed` payload (plus `wal_locator`).
#[derive(Debug, Clone, PartialEq)]
pub struct RunFailure {
    pub error_kind: &'static str,
    pub message: String,
    pub retryable: bool,
    pub retry_after_ms: Option<u64>,
    pub details: Option<Box<Value>>,
    /// The approval failures (loop guard, no provider) write `wal_locator` before `details`;
    /// classified exceptions write it last.
    pub locator_before_details: bool,
}

impl RunFailure {
    pub fn new(error_kind: &'static str, message: impl Into<String>) -> Self {
        RunFailure {
            error_kind,
            message: message.into(),
            retryable: false,
            retry_after_ms: None,
            details: None,
            locator_before_details: false,
        }
    }

    /// A failure decided by the approval flow (`P/core/tool_orchestration.py` builds these
    /// payloads by hand, `wal_locator` before `details`).
    pub fn approval(error_kind: &'static str, message: impl Into<String>, details: Value) -> Self {
        let mut f = RunFailure::new(error_kind, message).with_details(details);
        f.locator_before_details = true;
        f
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(Box::new(details));
        self
    }

    /// A `ValueError` upstream: `config_error`.
    pub fn config(message: impl Into<String>) -> Self {
        RunFailure::new("config_error", message)
    }

    /// A `FrameworkError` upstream: `config_error` with `details.framework_code/details`.
    pub fn framework(code: &str, message: &str, details: Value) -> Self {
        RunFailure::config(message)
            .with_details(json!({"framework_code": code, "framework_details": details}))
    }

    /// `budget exceeded: max_steps=<N>` / `max_wall_time_sec=<float>`.
    pub fn budget(message: String) -> Self {
        RunFailure::new("budget_exceeded", message)
    }

    pub fn from_llm(e: &LlmError) -> Self {
        RunFailure {
            error_kind: e.error_kind(),
            message: e.message().to_string(),
            retryable: e.retryable(),
            retry_after_ms: e.retry_after_ms(),
            details: e.details().map(Box::new),
            locator_before_details: false,
        }
    }

    /// The payload, keys in the reference's order.
    pub fn payload(&self, wal_locator: &str) -> Map<String, Value> {
        let mut p = Map::new();
        p.insert("error_kind".into(), self.error_kind.into());
        p.insert("message".into(), self.message.clone().into());
        p.insert("retryable".into(), self.retryable.into());
        if let Some(ms) = self.retry_after_ms {
            p.insert("retry_after_ms".into(), ms.into());
        }
        if self.locator_before_details {
            p.insert("wal_locator".into(), wal_locator.into());
        }
        if let Some(d) = self.details.as_ref().filter(|d| !is_empty(d)) {
            p.insert("details".into(), (**d).clone());
        }
        if !self.locator_before_details {
            p.insert("wal_locator".into(), wal_locator.into());
        }
        p
    }
}

/// `if self.details:` — an empty dict is left out.
fn is_empty(v: &Value) -> bool {
    matches!(v, Value::Null) || v.as_object().is_some_and(Map::is_empty)
}
