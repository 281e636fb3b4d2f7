//! The chat-backend protocol (spec §2.1–2.2): a request in, an async stream of
//! [`ChatStreamEvent`]s out. Backends: [`scripted`] (offline, spec §2.7/§10) and [`openai`]
//! (OpenAI-compatible chat completions over SSE, spec §2.3–2.5).

pub mod openai;
pub mod scripted;
pub mod sse;

use std::pin::Pin;
use std::sync::Arc;

use futures_util::Stream;
use serde_json::{Map, Value};

/// One chat-completions request.
#[derive(Clone, Default)]
pub struct ChatRequest {
    pub model: String,
    /// Messages in wire form (`{"role", "content", ...}`), roles `system|user|assistant|tool`.
    pub messages: Vec<Value>,
    pub tools: Vec<ToolSpec>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u64>,
    pub top_p: Option<f64>,
    pub response_format: Option<Value>,
    pub run_id: Option<String>,
    pub turn_id: Option<String>,
    /// `extra.stream_options`: `None` (or JSON null) → `{"include_usage": true}` is sent (with
    /// the spec §2.3 fallback); `Some(Value::Object)` → sent as is; any other value → omitted.
    pub stream_options: Option<Value>,
    /// Called for every retry the backend schedules (→ `llm_retry_scheduled`).
    pub on_retry: Option<RetryHook>,
}

impl std::fmt::Debug for ChatRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatRequest")
            .field("model", &self.model)
            .field("messages", &self.messages.len())
            .field("tools", &self.tools.len())
            .finish_non_exhaustive()
    }
}

pub type RetryHook = Arc<dyn Fn(RetryScheduled) + Send + Sync>;

/// Payload of `llm_retry_scheduled` (spec §2.5), minus the envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryScheduled {
    /// `"http_status"` or `"request_error"`.
    pub error_kind: &'static str,
    pub status_code: Option<u16>,
    /// 0-based attempt that failed.
    pub attempt: u32,
    pub max_retries: u32,
    pub retry_after_ms: Option<u64>,
    pub delay_ms: u64,
}

/// A tool offered to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// JSON schema of the arguments (`type: object`, `additionalProperties: false`).
    pub parameters: Value,
}

/// A complete tool call requested by the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    pub call_id: String,
    pub name: String,
    /// The parsed arguments when they are a JSON object, else empty.
    pub args: Map<String, Value>,
    /// The arguments exactly as streamed (absent for scripted calls given as objects).
    pub raw_arguments: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub total_tokens: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ChatStreamEvent {
    TextDelta(String),
    /// A flushed batch of complete calls.
    ToolCalls {
        calls: Vec<ToolCall>,
        finish_reason: Option<String>,
    },
    /// End of the stream; the loop stops consuming here.
    Completed {
        finish_reason: Option<String>,
        usage: Option<Usage>,
        request_id: Option<String>,
        provider: Option<String>,
    },
}

/// Why a backend failed; maps onto `run_failed.payload.error_kind` (spec §1.9).
#[derive(Debug, Clone, PartialEq)]
pub enum LlmError {
    /// Missing API key, scripted backend exhausted, bad request construction.
    Config(String),
    /// HTTP 401/403.
    Auth { status: u16, message: String },
    /// HTTP 429.
    RateLimited {
        message: String,
        retry_after_ms: Option<u64>,
    },
    /// HTTP 5xx.
    Server { status: u16, message: String },
    /// Any other HTTP status.
    Http { status: u16, message: String },
    /// A connect/read/write timeout (`details.kind = "timeout"`).
    Timeout(String),
    /// Connection refused/reset, stream dropped, ... (`details.kind = "request_error"`).
    Request(String),
    /// finish_reason `length`.
    ContextLengthExceeded(String),
}

impl LlmError {
    pub fn error_kind(&self) -> &'static str {
        match self {
            LlmError::Config(_) => "config_error",
            LlmError::Auth { .. } => "auth_error",
            LlmError::RateLimited { .. } => "rate_limited",
            LlmError::Server { .. } => "server_error",
            LlmError::Http { .. } => "http_error",
            LlmError::Timeout(_) | LlmError::Request(_) => "llm_error",
            LlmError::ContextLengthExceeded(_) => "context_length_exceeded",
        }
    }

    pub fn retryable(&self) -> bool {
        matches!(
            self,
            LlmError::RateLimited { .. }
                | LlmError::Server { .. }
                | LlmError::Timeout(_)
                | LlmError::Request(_)
        )
    }

    pub fn message(&self) -> &str {
        match self {
            LlmError::Config(m)
            | LlmError::Timeout(m)
            | LlmError::Request(m)
            | LlmError::ContextLengthExceeded(m) => m,
            LlmError::Auth { message, .. }
            | LlmError::RateLimited { message, .. }
            | LlmError::Server { message, .. }
            | LlmError::Http { message, .. } => message,
        }
    }

    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            LlmError::RateLimited { retry_after_ms, .. } => *retry_after_ms,
            _ => None,
        }
    }

    /// `run_failed.payload.details`, if the kind carries any.
    pub fn details(&self) -> Option<Value> {
        match self {
            LlmError::Auth { status, .. }
            | LlmError::Server { status, .. }
            | LlmError::Http { status, .. } => Some(serde_json::json!({ "status_code": status })),
            LlmError::RateLimited { .. } => Some(serde_json::json!({ "status_code": 429 })),
            LlmError::Timeout(_) => Some(serde_json::json!({ "kind": "timeout" })),
            LlmError::Request(_) => Some(serde_json::json!({ "kind": "request_error" })),
            _ => None,
        }
    }
}

impl std::fmt::Display for LlmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for LlmError {}

pub type ChatStream = Pin<Box<dyn Stream<Item = Result<ChatStreamEvent, LlmError>> + Send>>;

/// A chat backend. One call = one model turn; the stream ends after `Completed` or an error.
pub trait ChatBackend: Send + Sync {
    fn stream_chat(&self, request: ChatRequest) -> ChatStream;
    /// `provider` reported in `llm_usage` when the stream does not name one.
    fn provider(&self) -> &'static str;
}
