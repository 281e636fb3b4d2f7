//! OpenAI-compatible chat-completions backend (spec §2.3–2.5): one streaming `POST
//! {base_url}/chat/completions` per model turn, decoded by [`super::sse`].
//!
//! Retries (429, 5xx, timeouts, connection errors) happen only while nothing has been yielded,
//! so a consumer never sees a delta twice; an automatically added `stream_options` that the
//! server rejects is dropped once, silently. Dropping the returned stream drops the response and
//! with it the connection: that is how a cancelled run aborts its request.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use serde_json::{Map, Value, json};

use super::sse::{ChatSseDecoder, PROVIDER};
use super::{
    ChatBackend, ChatRequest, ChatStream, ChatStreamEvent, LlmError, RetryHook, RetryScheduled,
};
use crate::agent::config::{LlmConfig, RetryConfig};

/// Longest error message kept from an HTTP error (in characters), like the reference.
const HTTP_MESSAGE_MAX_CHARS: usize = 800;
/// Error bodies are read up to this size for their `error.message`; the rest is ignored.
const ERROR_BODY_MAX_BYTES: usize = 1 << 20;

/// The API key named by `api_key_env`, read from `env` (the run's environment).
///
/// Missing or empty → [`LlmError::Config`] naming the variable (never a value).
pub fn api_key(api_key_env: &str, env: &HashMap<String, String>) -> Result<String, LlmError> {
    match env.get(api_key_env) {
        Some(key) if !key.is_empty() => Ok(key.clone()),
        _ => Err(LlmError::Config(format!(
            "missing API key: environment variable {api_key_env} (llm.api_key_env) is not set"
        ))),
    }
}

/// An API key that never prints.
#[derive(Clone)]
struct ApiKey(String);

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// `llm.retry` as the reference applies it: zero base/cap/jitter mean the defaults
/// (0.5 s / 8 s / 0.1, Python's `x or default`), jitter clamped to `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RetryPolicy {
    pub(crate) max_retries: u32,
    pub(crate) base_delay_sec: f64,
    pub(crate) cap_delay_sec: f64,
    pub(crate) jitter_ratio: f64,
}

impl RetryPolicy {
    pub(crate) fn from_config(retry: &RetryConfig) -> Self {
        let or_default = |value: f64, default: f64| if value == 0.0 { default } else { value };
        RetryPolicy {
            max_retries: retry.max_retries,
            base_delay_sec: or_default(retry.base_delay_sec, 0.5),
            cap_delay_sec: or_default(retry.cap_delay_sec, 8.0),
            jitter_ratio: or_default(retry.jitter_ratio, 0.1).clamp(0.0, 1.0),
        }
    }

    /// Seconds to wait after failed `attempt` (0-based) without a `Retry-After`:
    /// `min(cap, base·2^attempt)` plus `unit_random·that·jitter_ratio`, capped at `cap`.
    pub(crate) fn backoff_sec(&self, attempt: u32, unit_random: f64) -> f64 {
        let exponent = i32::try_from(attempt).unwrap_or(i32::MAX);
        let base = (self.base_delay_sec * 2f64.powi(exponent)).min(self.cap_delay_sec);
        let jitter = unit_random * base * self.jitter_ratio;
        (base + jitter).min(self.cap_delay_sec)
    }
}

#[derive(Debug)]
struct BackendShared {
    client: reqwest::Client,
    endpoint: String,
    /// A missing key fails each request (as a `config_error`) instead of the construction.
    api_key: Result<ApiKey, LlmError>,
    retry: RetryPolicy,
}

/// The OpenAI-compatible chat-completions backend. Cheap to clone; clones share one
/// connection pool.
#[derive(Debug, Clone)]
pub struct OpenAiBackend {
    shared: Arc<BackendShared>,
}

impl OpenAiBackend {
    /// A backend for `llm` (base URL, timeout, retries) that authenticates with `api_key`.
    ///
    /// Fails only when `llm.timeout_sec` is not a positive number or the HTTP client cannot be
    /// built.
    pub fn new(llm: &LlmConfig, api_key: String) -> Result<Self, LlmError> {
        Self::build(llm, Ok(ApiKey(api_key)))
    }

    /// Like [`OpenAiBackend::new`], with the key read from the variable `llm.api_key_env` of
    /// `env`. A missing key does not fail here: as in the reference, each `stream_chat` then
    /// fails with that [`LlmError::Config`] before sending anything.
    pub fn from_env(llm: &LlmConfig, env: &HashMap<String, String>) -> Result<Self, LlmError> {
        Self::build(llm, api_key(&llm.api_key_env, env).map(ApiKey))
    }

    fn build(llm: &LlmConfig, api_key: Result<ApiKey, LlmError>) -> Result<Self, LlmError> {
        let timeout = Duration::try_from_secs_f64(llm.timeout_sec)
            .ok()
            .filter(|t| !t.is_zero())
            .ok_or_else(|| {
                LlmError::Config(format!(
                    "llm.timeout_sec must be a positive number of seconds, got {}",
                    llm.timeout_sec
                ))
            })?;
        // reqwest is built without a default crypto provider; installing fails harmlessly when
        // another part of the process already installed one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .connect_timeout(timeout)
            // Per read, reset after each successful read: a slow but live stream never times out.
            .read_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| LlmError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(OpenAiBackend {
            shared: Arc::new(BackendShared {
                client,
                endpoint: format!("{}/chat/completions", llm.base_url.trim_end_matches('/')),
                api_key,
                retry: RetryPolicy::from_config(&llm.retry),
            }),
        })
    }

    /// The URL requests are posted to.
    pub fn endpoint(&self) -> &str {
        &self.shared.endpoint
    }
}

impl ChatBackend for OpenAiBackend {
    fn stream_chat(&self, request: ChatRequest) -> ChatStream {
        let session = StreamSession::new(Arc::clone(&self.shared), &request);
        Box::pin(stream::unfold(session, |mut session| async move {
            let item = session.next_item().await?;
            Some((item, session))
        }))
    }

    fn provider(&self) -> &'static str {
        PROVIDER
    }
}

/// The JSON body (spec §2.3) and whether `stream_options` was added automatically.
pub(crate) fn request_body(request: &ChatRequest) -> (Value, bool) {
    let mut body = Map::new();
    body.insert("model".into(), Value::String(request.model.clone()));
    body.insert("messages".into(), Value::Array(request.messages.clone()));
    body.insert("stream".into(), Value::Bool(true));
    if !request.tools.is_empty() {
        let tools = request
            .tools
            .iter()
            .map(|tool| {
                json!({
                    "type": "function",
                    "function": {
                        "name": tool.name,
                        "description": tool.description,
                        "parameters": tool.parameters,
                    }
                })
            })
            .collect();
        body.insert("tools".into(), Value::Array(tools));
    }
    if let Some(temperature) = request.temperature {
        body.insert("temperature".into(), json!(temperature));
    }
    if let Some(max_tokens) = request.max_tokens {
        body.insert("max_tokens".into(), json!(max_tokens));
    }
    if let Some(top_p) = request.top_p {
        body.insert("top_p".into(), json!(top_p));
    }
    if let Some(format) = &request.response_format {
        body.insert("response_format".into(), format.clone());
    }
    let injected = match &request.stream_options {
        Some(Value::Object(options)) => {
            body.insert("stream_options".into(), Value::Object(options.clone()));
            false
        }
        // Python's `extra.get("stream_options") is None`: absent and null alike.
        None | Some(Value::Null) => {
            body.insert("stream_options".into(), json!({"include_usage": true}));
            true
        }
        Some(_) => false,
    };
    (Value::Object(body), injected)
}

/// A failed attempt, before deciding whether to retry.
struct AttemptFailure {
    error: LlmError,
    /// `"http_status"` or `"request_error"` (timeouts included).
    kind: &'static str,
    status: Option<u16>,
    retry_after_ms: Option<u64>,
}

/// What one request produced.
enum Attempt {
    /// A 2xx response whose body is the event stream.
    Accepted(reqwest::Response),
    /// The server refused the auto-added `stream_options`: resend at once without them (not a
    /// retry: no event, no delay, no attempt counted).
    ResendWithoutStreamOptions,
    Failed(AttemptFailure),
}

/// One `stream_chat` call: attempts, retries, and the decoding of the accepted response.
struct StreamSession {
    shared: Arc<BackendShared>,
    body: Vec<u8>,
    /// The body without the auto-added `stream_options`, while that fallback is unused.
    fallback_body: Option<Vec<u8>>,
    on_retry: Option<RetryHook>,
    attempt: u32,
    yielded_any: bool,
    response: Option<reqwest::Response>,
    decoder: ChatSseDecoder,
    queue: VecDeque<Result<ChatStreamEvent, LlmError>>,
    finished: bool,
}

impl StreamSession {
    fn new(shared: Arc<BackendShared>, request: &ChatRequest) -> Self {
        let (body, injected) = request_body(request);
        let fallback_body = injected.then(|| {
            let mut without = body.clone();
            if let Value::Object(map) = &mut without {
                map.shift_remove("stream_options");
            }
            without.to_string().into_bytes()
        });
        StreamSession {
            shared,
            body: body.to_string().into_bytes(),
            fallback_body,
            on_retry: request.on_retry.clone(),
            attempt: 0,
            yielded_any: false,
            response: None,
            decoder: ChatSseDecoder::new(),
            queue: VecDeque::new(),
            finished: false,
        }
    }

    async fn next_item(&mut self) -> Option<Result<ChatStreamEvent, LlmError>> {
        loop {
            if let Some(item) = self.queue.pop_front() {
                match &item {
                    Ok(ChatStreamEvent::Completed { .. }) | Err(_) => self.finish(),
                    Ok(_) => {}
                }
                if item.is_ok() {
                    self.yielded_any = true;
                }
                return Some(item);
            }
            if self.finished {
                return None;
            }
            let failure = match self.response.as_mut() {
                None => match self.open().await {
                    Attempt::Accepted(response) => {
                        self.response = Some(response);
                        self.decoder = ChatSseDecoder::new();
                        continue;
                    }
                    Attempt::ResendWithoutStreamOptions => continue,
                    Attempt::Failed(failure) => failure,
                },
                Some(response) => match response.chunk().await {
                    Ok(Some(bytes)) => {
                        self.queue.extend(self.decoder.push(&bytes));
                        continue;
                    }
                    Ok(None) => {
                        self.queue.extend(self.decoder.finish());
                        self.response = None;
                        if self.queue.is_empty() {
                            self.finish();
                        }
                        continue;
                    }
                    Err(error) => {
                        self.response = None;
                        transport_failure(&error)
                    }
                },
            };
            if !self.schedule_retry(&failure).await {
                self.finish();
                return Some(Err(failure.error));
            }
        }
    }

    fn finish(&mut self) {
        self.finished = true;
        // Dropping the response closes the connection (data after `[DONE]` is never read).
        self.response = None;
    }

    /// Sends the request once (switching to the fallback body when the server refuses the
    /// auto-added `stream_options`).
    async fn open(&mut self) -> Attempt {
        let key = match &self.shared.api_key {
            Ok(key) => key,
            // A config error is not retryable: it fails the stream as is.
            Err(error) => {
                return Attempt::Failed(AttemptFailure {
                    error: error.clone(),
                    kind: "config",
                    status: None,
                    retry_after_ms: None,
                });
            }
        };
        let sent = self
            .shared
            .client
            .post(&self.shared.endpoint)
            .header(CONTENT_TYPE, "application/json")
            .bearer_auth(&key.0)
            .body(self.body.clone())
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => return Attempt::Failed(transport_failure(&error)),
        };
        let status = response.status();
        if status.is_success() {
            return Attempt::Accepted(response);
        }
        let retry_after_ms = retry_after_ms(response.headers());
        let body = read_error_body(response).await;
        if !self.yielded_any && rejects_stream_options(status, &body) {
            if let Some(fallback) = self.fallback_body.take() {
                self.body = fallback;
                return Attempt::ResendWithoutStreamOptions;
            }
        }
        Attempt::Failed(AttemptFailure {
            error: http_status_error(status.as_u16(), &body, retry_after_ms),
            kind: "http_status",
            status: Some(status.as_u16()),
            retry_after_ms,
        })
    }

    /// Reports and waits out a retry when the failure allows one; `false` when it does not.
    async fn schedule_retry(&mut self, failure: &AttemptFailure) -> bool {
        let max_retries = self.shared.retry.max_retries;
        if self.yielded_any || !failure.error.retryable() || self.attempt >= max_retries {
            return false;
        }
        let delay_sec = match failure.retry_after_ms {
            Some(ms) => ms as f64 / 1000.0,
            None => self.shared.retry.backoff_sec(self.attempt, fastrand::f64()),
        };
        let delay_ms = (delay_sec * 1000.0) as u64;
        tracing::debug!(
            attempt = self.attempt,
            status = failure.status,
            delay_ms,
            "retrying the chat-completions request"
        );
        if let Some(hook) = &self.on_retry {
            hook(RetryScheduled {
                error_kind: failure.kind,
                status_code: failure.status,
                attempt: self.attempt,
                max_retries,
                retry_after_ms: failure.retry_after_ms,
                delay_ms,
            });
        }
        let delay = Duration::try_from_secs_f64(delay_sec).unwrap_or(if delay_sec > 0.0 {
            Duration::MAX
        } else {
            Duration::ZERO
        });
        tokio::time::sleep(delay).await;
        self.attempt += 1;
        true
    }
}

/// A timeout, a refused/reset connection, or a body cut short.
fn transport_failure(error: &reqwest::Error) -> AttemptFailure {
    // The URL is left out of messages: a base URL may carry credentials in its query.
    let mut message = error_chain(error);
    let error = if error.is_timeout() {
        message.insert_str(0, "LLM request timed out: ");
        LlmError::Timeout(message)
    } else {
        message.insert_str(0, "LLM request failed: ");
        LlmError::Request(message)
    };
    AttemptFailure {
        error,
        kind: "request_error",
        status: None,
        retry_after_ms: None,
    }
}

/// `error: source: source…`, without the URL.
fn error_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(&format!(" for url ({url})"), "");
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// An integer `Retry-After` greater than zero, in milliseconds (dates are not supported).
fn retry_after_ms(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let seconds: i64 = value.parse().ok()?;
    u64::try_from(seconds)
        .ok()
        .filter(|s| *s > 0)
        .map(|s| s.saturating_mul(1000))
}

/// The body of an error response, as far as it can be read (read errors are ignored).
async fn read_error_body(mut response: reqwest::Response) -> String {
    let mut body = Vec::new();
    while body.len() < ERROR_BODY_MAX_BYTES {
        match response.chunk().await {
            Ok(Some(bytes)) => body.extend_from_slice(&bytes),
            Ok(None) | Err(_) => break,
        }
    }
    String::from_utf8_lossy(&body).into_owned()
}

/// The usage fallback's trigger: 400/422 with any body, 404 naming the option.
fn rejects_stream_options(status: StatusCode, body: &str) -> bool {
    match status.as_u16() {
        400 | 422 => true,
        404 => {
            let body = body.to_lowercase();
            body.contains("stream_options") || body.contains("include_usage")
        }
        _ => false,
    }
}

/// `HTTP <code>[: <error.message>]`, cut at 800 characters, classified by status (spec §1.9).
fn http_status_error(status: u16, body: &str, retry_after_ms: Option<u64>) -> LlmError {
    let mut message = format!("HTTP {status}");
    if let Ok(Value::Object(doc)) = serde_json::from_str::<Value>(body) {
        if let Some(Value::String(detail)) = doc.get("error").and_then(|e| e.get("message")) {
            let detail = detail.trim();
            if !detail.is_empty() {
                message = format!("HTTP {status}: {detail}");
            }
        }
    }
    if message.chars().count() > HTTP_MESSAGE_MAX_CHARS {
        let cut: String = message.chars().take(HTTP_MESSAGE_MAX_CHARS).collect();
        message = format!("{cut}...<truncated>");
    }
    match status {
        401 | 403 => LlmError::Auth { status, message },
        429 => LlmError::RateLimited {
            message,
            retry_after_ms,
        },
        500..=599 => LlmError::Server { status, message },
        _ => LlmError::Http { status, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::llm::ToolSpec;

    fn retry(max: u32, base: f64, cap: f64, jitter: f64) -> RetryConfig {
        RetryConfig {
            max_retries: max,
            base_delay_sec: base,
            cap_delay_sec: cap,
            jitter_ratio: jitter,
        }
    }

    #[test]
    fn api_key_missing_or_empty_names_the_variable_only() {
        let mut env = HashMap::new();
        let err = api_key("MY_KEY", &env).unwrap_err();
        assert_eq!(err.error_kind(), "config_error");
        assert!(err.message().contains("MY_KEY"));
        env.insert("MY_KEY".to_string(), String::new());
        assert!(api_key("MY_KEY", &env).is_err());
        env.insert("MY_KEY".to_string(), "sk-secret".to_string());
        assert_eq!(api_key("MY_KEY", &env).unwrap(), "sk-secret");
    }

    #[test]
    fn api_key_never_shows_in_debug_output() {
        let llm = LlmConfig {
            base_url: "http://127.0.0.1:9/v1/".into(),
            api_key_env: "K".into(),
            timeout_sec: 1.0,
            retry: retry(0, 0.5, 8.0, 0.1),
            executor_model: "m".into(),
            planner_model: "m".into(),
        };
        let backend = OpenAiBackend::new(&llm, "sk-very-secret".into()).unwrap();
        assert!(!format!("{backend:?}").contains("sk-very-secret"));
        assert_eq!(backend.endpoint(), "http://127.0.0.1:9/v1/chat/completions");
    }

    #[test]
    fn zero_retry_settings_fall_back_to_the_defaults() {
        let policy = RetryPolicy::from_config(&retry(2, 0.0, 0.0, 0.0));
        assert_eq!(
            (
                policy.base_delay_sec,
                policy.cap_delay_sec,
                policy.jitter_ratio
            ),
            (0.5, 8.0, 0.1)
        );
        assert_eq!(
            RetryPolicy::from_config(&retry(0, 1.0, 2.0, 7.0)).jitter_ratio,
            1.0
        );
    }

    #[test]
    fn backoff_doubles_adds_jitter_and_stays_under_the_cap() {
        let policy = RetryPolicy::from_config(&retry(5, 0.5, 8.0, 0.1));
        assert_eq!(policy.backoff_sec(0, 0.0), 0.5);
        assert_eq!(policy.backoff_sec(2, 0.0), 2.0);
        assert!((policy.backoff_sec(2, 0.5) - 2.1).abs() < 1e-9);
        assert_eq!(policy.backoff_sec(4, 0.99), 8.0);
        assert_eq!(policy.backoff_sec(200, 0.5), 8.0);
    }

    #[test]
    fn body_has_the_reference_keys_in_order() {
        let request = ChatRequest {
            model: "gpt".into(),
            messages: vec![json!({"role": "user", "content": "hi"})],
            tools: vec![ToolSpec {
                name: "file_read".into(),
                description: "Read".into(),
                parameters: json!({"type": "object"}),
            }],
            temperature: Some(0.2),
            max_tokens: Some(10),
            ..ChatRequest::default()
        };
        let (body, injected) = request_body(&request);
        assert!(injected);
        assert_eq!(
            body.to_string(),
            concat!(
                r#"{"model":"gpt","messages":[{"role":"user","content":"hi"}],"stream":true,"#,
                r#""tools":[{"type":"function","function":{"name":"file_read","description":"Read","parameters":{"type":"object"}}}],"#,
                r#""temperature":0.2,"max_tokens":10,"stream_options":{"include_usage":true}}"#
            )
        );
    }

    #[test]
    fn stream_options_given_as_map_are_sent_as_is_and_other_values_omit_them() {
        let mut request = ChatRequest {
            stream_options: Some(json!({"include_usage": false})),
            ..ChatRequest::default()
        };
        let (body, injected) = request_body(&request);
        assert!(!injected);
        assert_eq!(body["stream_options"], json!({"include_usage": false}));
        assert!(body.get("tools").is_none());

        request.stream_options = Some(json!(false));
        let (body, injected) = request_body(&request);
        assert!(!injected && body.get("stream_options").is_none());

        request.stream_options = Some(Value::Null);
        assert!(request_body(&request).1);
    }

    #[test]
    fn http_errors_carry_the_provider_message_cut_at_800_chars() {
        let err = http_status_error(418, r#"{"error": {"message": "  teapot  "}}"#, None);
        assert_eq!(
            err,
            LlmError::Http {
                status: 418,
                message: "HTTP 418: teapot".into()
            }
        );
        assert_eq!(http_status_error(500, "<html>", None).message(), "HTTP 500");
        assert_eq!(
            http_status_error(403, r#"{"error": "nope"}"#, None).error_kind(),
            "auth_error"
        );
        let long = "é".repeat(900);
        let err = http_status_error(400, &json!({"error": {"message": long}}).to_string(), None);
        let message = err.message();
        assert!(message.ends_with("...<truncated>"));
        assert_eq!(message.chars().count(), 800 + "...<truncated>".len());
        let limited = http_status_error(429, "", Some(2000));
        assert_eq!(limited.retry_after_ms(), Some(2000));
    }

    #[test]
    fn retry_after_accepts_positive_integer_seconds_only() {
        let header = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(RETRY_AFTER, v.parse().unwrap());
            retry_after_ms(&h)
        };
        assert_eq!(header("2"), Some(2000));
        assert_eq!(header(" 3 "), Some(3000));
        assert_eq!(header("+1"), Some(1000));
        assert_eq!(header("0"), None);
        assert_eq!(header("-1"), None);
        assert_eq!(header("1.5"), None);
        assert_eq!(header("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(retry_after_ms(&HeaderMap::new()), None);
    }

    #[test]
    fn usage_fallback_triggers_on_400_422_and_404_naming_the_option() {
        assert!(rejects_stream_options(StatusCode::BAD_REQUEST, ""));
        assert!(rejects_stream_options(
            StatusCode::UNPROCESSABLE_ENTITY,
            "x"
        ));
        assert!(rejects_stream_options(
            StatusCode::NOT_FOUND,
            "Unknown INCLUDE_USAGE"
        ));
        assert!(!rejects_stream_options(
            StatusCode::NOT_FOUND,
            "no such model"
        ));
        assert!(!rejects_stream_options(
            StatusCode::UNAUTHORIZED,
            "stream_options"
        ));
    }
}
