//! The OpenAI-compatible backend against a real HTTP/1.1 server on 127.0.0.1 that speaks the
//! chat-completions streaming protocol from a per-connection script (spec §2.3–2.5).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use skills_runtime::agent::config::{LlmConfig, RetryConfig};
use skills_runtime::agent::llm::openai::OpenAiBackend;
use skills_runtime::agent::llm::{
    ChatBackend, ChatRequest, ChatStream, ChatStreamEvent, LlmError, RetryScheduled, ToolCall,
    Usage,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// What the server does on one connection, in order.
enum Step {
    /// Bytes written as they are (status line and headers).
    Raw(Vec<u8>),
    /// Bytes written as one HTTP chunk of a chunked body.
    Chunk(Vec<u8>),
    /// The terminating chunk: the body is complete.
    End,
    Pause(Duration),
    /// Waits until the client closes the connection, then reports it.
    AwaitClientClose(oneshot::Sender<()>),
}

type Script = Vec<Step>;

/// One request as the server received it.
struct Received {
    head: String,
    body: Value,
}

struct TestServer {
    base_url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl TestServer {
    /// Serves one script per connection, in order; connections beyond the scripts are closed.
    async fn start(scripts: Vec<Script>) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/v1/", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        tokio::spawn(async move {
            let mut scripts = scripts.into_iter();
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let script = scripts.next();
                let log = Arc::clone(&log);
                tokio::spawn(serve_connection(socket, script, log));
            }
        });
        TestServer { base_url, received }
    }

    fn request_count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    fn body(&self, n: usize) -> Value {
        self.received.lock().unwrap()[n].body.clone()
    }

    fn head(&self, n: usize) -> String {
        self.received.lock().unwrap()[n].head.clone()
    }
}

async fn serve_connection(
    mut socket: TcpStream,
    script: Option<Script>,
    log: Arc<Mutex<Vec<Received>>>,
) {
    socket.set_nodelay(true).unwrap();
    let Some((head, body)) = read_request(&mut socket).await else {
        return;
    };
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    log.lock().unwrap().push(Received { head, body });
    let Some(script) = script else {
        return;
    };
    for step in script {
        let written = match step {
            Step::Raw(bytes) => socket.write_all(&bytes).await,
            Step::Chunk(bytes) => {
                let mut framed = format!("{:x}\r\n", bytes.len()).into_bytes();
                framed.extend_from_slice(&bytes);
                framed.extend_from_slice(b"\r\n");
                socket.write_all(&framed).await
            }
            Step::End => socket.write_all(b"0\r\n\r\n").await,
            Step::Pause(duration) => {
                tokio::time::sleep(duration).await;
                Ok(())
            }
            Step::AwaitClientClose(closed) => {
                let mut buf = [0u8; 64];
                while matches!(socket.read(&mut buf).await, Ok(n) if n > 0) {}
                let _ = closed.send(());
                return;
            }
        };
        if written.is_err() {
            return;
        }
    }
}

/// Reads a request head and its `Content-Length` body.
async fn read_request(socket: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(pos) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while data.len() < head_end + length {
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    }
    Some((head, data[head_end..head_end + length].to_vec()))
}

const SSE_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\
Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";

fn data_line(chunk: &Value) -> Vec<u8> {
    format!("data: {chunk}\n\n").into_bytes()
}

/// A complete streaming answer: each chunk as one `data:` event, then `[DONE]`.
fn sse_ok(chunks: &[Value]) -> Script {
    let mut script = vec![Step::Raw(SSE_HEAD.to_vec())];
    script.extend(chunks.iter().map(|c| Step::Chunk(data_line(c))));
    script.push(Step::Chunk(b"data: [DONE]\n\n".to_vec()));
    script.push(Step::End);
    script
}

fn http_error(status: &str, extra_headers: &str, body: &str) -> Script {
    vec![Step::Raw(
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra_headers}\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )]
}

fn text(content: &str) -> Value {
    json!({"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {"content": content}}]})
}

fn finish(reason: &str) -> Value {
    json!({"choices": [{"index": 0, "delta": {}, "finish_reason": reason}]})
}

fn config(base_url: &str, timeout_sec: f64, max_retries: u32) -> LlmConfig {
    LlmConfig {
        base_url: base_url.to_string(),
        api_key_env: "TEST_OPENAI_KEY".to_string(),
        timeout_sec,
        retry: RetryConfig {
            max_retries,
            base_delay_sec: 0.01,
            cap_delay_sec: 0.02,
            jitter_ratio: 0.5,
        },
        executor_model: "gpt-test".to_string(),
        planner_model: "gpt-test".to_string(),
    }
}

fn backend(server: &TestServer, timeout_sec: f64, max_retries: u32) -> OpenAiBackend {
    OpenAiBackend::new(
        &config(&server.base_url, timeout_sec, max_retries),
        "sk-test".to_string(),
    )
    .unwrap()
}

/// A request whose retries are recorded.
fn request() -> (ChatRequest, Arc<Mutex<Vec<RetryScheduled>>>) {
    let retries = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&retries);
    let request = ChatRequest {
        model: "gpt-test".to_string(),
        messages: vec![json!({"role": "user", "content": "hi"})],
        on_retry: Some(Arc::new(move |r| sink.lock().unwrap().push(r))),
        ..ChatRequest::default()
    };
    (request, retries)
}

async fn collect(mut stream: ChatStream) -> Vec<Result<ChatStreamEvent, LlmError>> {
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push(item);
    }
    items
}

async fn run(
    backend: &OpenAiBackend,
    request: ChatRequest,
) -> Vec<Result<ChatStreamEvent, LlmError>> {
    tokio::time::timeout(
        Duration::from_secs(5),
        collect(backend.stream_chat(request)),
    )
    .await
    .expect("the stream ends")
}

fn texts(items: &[Result<ChatStreamEvent, LlmError>]) -> String {
    items
        .iter()
        .filter_map(|item| match item {
            Ok(ChatStreamEvent::TextDelta(t)) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

fn calls(items: &[Result<ChatStreamEvent, LlmError>]) -> Vec<ToolCall> {
    items
        .iter()
        .filter_map(|item| match item {
            Ok(ChatStreamEvent::ToolCalls { calls, .. }) => Some(calls.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn completed_reason(items: &[Result<ChatStreamEvent, LlmError>]) -> Option<String> {
    match items.last() {
        Some(Ok(ChatStreamEvent::Completed { finish_reason, .. })) => finish_reason.clone(),
        other => panic!("expected completed last, got {other:?}"),
    }
}

fn final_error(items: &[Result<ChatStreamEvent, LlmError>]) -> LlmError {
    match items.last() {
        Some(Err(error)) => error.clone(),
        other => panic!("expected an error last, got {other:?}"),
    }
}

#[tokio::test]
async fn text_deltas_stream_then_completed_carries_usage_and_request_id() {
    let server = TestServer::start(vec![sse_ok(&[
        text("Hel"),
        text("lo"),
        finish("stop"),
        json!({"id": "chatcmpl-1", "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}}),
    ])])
    .await;
    let items = run(&backend(&server, 2.0, 0), request().0).await;
    assert_eq!(texts(&items), "Hello");
    assert_eq!(items.len(), 3);
    assert_eq!(
        items[2],
        Ok(ChatStreamEvent::Completed {
            finish_reason: Some("stop".into()),
            usage: Some(Usage {
                input_tokens: 9,
                output_tokens: 2,
                total_tokens: 11
            }),
            request_id: Some("chatcmpl-1".into()),
            provider: Some("openai".into()),
        })
    );

    let head = server.head(0).to_ascii_lowercase();
    assert!(head.starts_with("post /v1/chat/completions http/1.1\r\n"));
    assert!(head.contains("authorization: bearer sk-test\r\n"));
    assert!(head.contains("content-type: application/json\r\n"));
    assert_eq!(
        server.body(0),
        json!({
            "model": "gpt-test",
            "messages": [{"role": "user", "content": "hi"}],
            "stream": true,
            "stream_options": {"include_usage": true},
        })
    );
}

#[tokio::test]
async fn tool_call_arguments_split_across_chunks_and_mid_line_writes_are_assembled() {
    let body = [
        json!({"choices": [{"delta": {"tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"name": "file_write", "arguments": ""}}]}}]}),
        json!({"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{\"path\": \"caf"}}]}}]}),
        json!({"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": "é.txt\", \"content\""}}]}}]}),
        json!({"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": ": \"✓\"}"}}]}}]}),
        finish("tool_calls"),
    ]
    .iter()
    .flat_map(data_line)
    .chain(b"data: [DONE]\n\n".iter().copied())
    .collect::<Vec<u8>>();
    // Cut inside lines, and inside the two-byte `é` (the byte after "caf").
    let cut_in_e = body.windows(3).position(|w| w == b"caf").unwrap() + 4;
    let cuts = [7, 40, cut_in_e, cut_in_e + 25, body.len() - 3];
    let mut script = vec![Step::Raw(SSE_HEAD.to_vec())];
    let mut start = 0;
    for cut in cuts.into_iter().chain([body.len()]) {
        script.push(Step::Chunk(body[start..cut].to_vec()));
        script.push(Step::Pause(Duration::from_millis(5)));
        start = cut;
    }
    script.push(Step::End);
    let server = TestServer::start(vec![script]).await;

    let items = run(&backend(&server, 2.0, 0), request().0).await;
    let got = calls(&items);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].call_id, "call_1");
    assert_eq!(got[0].name, "file_write");
    assert_eq!(
        Value::Object(got[0].args.clone()),
        json!({"path": "café.txt", "content": "✓"})
    );
    assert_eq!(
        got[0].raw_arguments.as_deref(),
        Some("{\"path\": \"café.txt\", \"content\": \"✓\"}")
    );
    assert!(matches!(
        &items[0],
        Ok(ChatStreamEvent::ToolCalls { finish_reason: Some(f), .. }) if f == "tool_calls"
    ));
    assert_eq!(completed_reason(&items).as_deref(), Some("done"));
}

#[tokio::test]
async fn two_named_calls_without_index_become_two_calls() {
    let fragment = |f: Value| json!({"choices": [{"delta": {"tool_calls": [f]}}]});
    let server = TestServer::start(vec![sse_ok(&[
        fragment(json!({"function": {"name": "file_read", "arguments": "{\"path\":"}})),
        fragment(json!({"function": {"arguments": " \"a.txt\"}"}})),
        fragment(json!({"function": {"name": "list_dir", "arguments": "{}"}})),
    ])])
    .await;
    let items = run(&backend(&server, 2.0, 0), request().0).await;
    let got = calls(&items);
    let ids_and_names: Vec<_> = got
        .iter()
        .map(|c| (c.call_id.as_str(), c.name.as_str()))
        .collect();
    assert_eq!(
        ids_and_names,
        [("tool-call-0", "file_read"), ("tool-call-1", "list_dir")]
    );
    assert_eq!(Value::Object(got[0].args.clone()), json!({"path": "a.txt"}));
    assert!(got[1].args.is_empty());
    // Flushed at the sentinel, so the batch carries its finish reason.
    assert_eq!(completed_reason(&items).as_deref(), Some("done"));
}

#[tokio::test]
async fn rate_limit_with_retry_after_is_retried_after_that_many_seconds() {
    let server = TestServer::start(vec![
        http_error(
            "429 Too Many Requests",
            "Retry-After: 1\r\n",
            r#"{"error":{"message":"slow down"}}"#,
        ),
        sse_ok(&[text("ok")]),
    ])
    .await;
    let (request, retries) = request();
    let started = Instant::now();
    let items = run(&backend(&server, 2.0, 2), request).await;
    assert!(started.elapsed() >= Duration::from_millis(990));
    assert_eq!(texts(&items), "ok");
    assert_eq!(completed_reason(&items).as_deref(), Some("done"));
    assert_eq!(
        *retries.lock().unwrap(),
        vec![RetryScheduled {
            error_kind: "http_status",
            status_code: Some(429),
            attempt: 0,
            max_retries: 2,
            retry_after_ms: Some(1000),
            delay_ms: 1000,
        }]
    );
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn server_error_is_retried_with_capped_backoff() {
    let server = TestServer::start(vec![
        http_error("500 Internal Server Error", "", "oops"),
        sse_ok(&[text("recovered")]),
    ])
    .await;
    let (request, retries) = request();
    let items = run(&backend(&server, 2.0, 3), request).await;
    assert_eq!(texts(&items), "recovered");
    let retries = retries.lock().unwrap();
    assert_eq!(retries.len(), 1);
    let retry = &retries[0];
    assert_eq!(
        (
            retry.error_kind,
            retry.status_code,
            retry.attempt,
            retry.max_retries
        ),
        ("http_status", Some(500), 0, 3)
    );
    assert_eq!(retry.retry_after_ms, None);
    // base 10 ms plus up to 50 % jitter, capped at 20 ms.
    assert!((10..=15).contains(&retry.delay_ms), "{}", retry.delay_ms);
}

#[tokio::test]
async fn exhausted_retries_fail_with_the_last_server_error() {
    let server = TestServer::start(vec![
        http_error("503 Service Unavailable", "", "{}"),
        http_error("503 Service Unavailable", "", "{}"),
        http_error("502 Bad Gateway", "", r#"{"error":{"message":"upstream"}}"#),
    ])
    .await;
    let (request, retries) = request();
    let items = run(&backend(&server, 2.0, 2), request).await;
    assert_eq!(items.len(), 1);
    let error = final_error(&items);
    assert_eq!(
        error,
        LlmError::Server {
            status: 502,
            message: "HTTP 502: upstream".into()
        }
    );
    assert!(error.retryable());
    let attempts: Vec<u32> = retries.lock().unwrap().iter().map(|r| r.attempt).collect();
    assert_eq!(attempts, vec![0, 1]);
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn unauthorized_fails_with_auth_error_and_no_retry() {
    let server = TestServer::start(vec![
        http_error(
            "401 Unauthorized",
            "",
            r#"{"error":{"message":"Incorrect API key provided"}}"#,
        ),
        sse_ok(&[text("never")]),
    ])
    .await;
    let (request, retries) = request();
    let items = run(&backend(&server, 2.0, 3), request).await;
    let error = final_error(&items);
    assert_eq!(error.error_kind(), "auth_error");
    assert_eq!(error.message(), "HTTP 401: Incorrect API key provided");
    assert_eq!(error.details(), Some(json!({"status_code": 401})));
    assert!(!error.retryable());
    assert!(retries.lock().unwrap().is_empty());
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn bad_request_with_auto_stream_options_is_resent_once_without_them() {
    let server = TestServer::start(vec![
        http_error(
            "400 Bad Request",
            "",
            r#"{"error":{"message":"unknown field"}}"#,
        ),
        sse_ok(&[text("fine")]),
    ])
    .await;
    let (request, retries) = request();
    let items = run(&backend(&server, 2.0, 0), request).await;
    assert_eq!(texts(&items), "fine");
    assert!(retries.lock().unwrap().is_empty(), "not a retry");
    assert_eq!(
        server.body(0)["stream_options"],
        json!({"include_usage": true})
    );
    assert_eq!(
        server.body(1),
        json!({
            "model": "gpt-test",
            "messages": [{"role": "user", "content": "hi"}],
            "stream": true,
        })
    );
}

#[tokio::test]
async fn bad_request_after_the_fallback_or_with_explicit_stream_options_is_an_http_error() {
    let server = TestServer::start(vec![
        http_error("422 Unprocessable Entity", "", "{}"),
        http_error(
            "400 Bad Request",
            "",
            r#"{"error":{"message":"bad model"}}"#,
        ),
    ])
    .await;
    let items = run(&backend(&server, 2.0, 2), request().0).await;
    assert_eq!(
        final_error(&items),
        LlmError::Http {
            status: 400,
            message: "HTTP 400: bad model".into()
        }
    );
    assert_eq!(server.request_count(), 2);

    let server = TestServer::start(vec![http_error("400 Bad Request", "", "{}")]).await;
    let (mut request, _) = request();
    request.stream_options = Some(json!({"include_usage": true}));
    let items = run(&backend(&server, 2.0, 2), request).await;
    assert_eq!(final_error(&items).error_kind(), "http_error");
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn malformed_and_non_data_lines_are_skipped() {
    let script = vec![
        Step::Raw(SSE_HEAD.to_vec()),
        Step::Chunk(b": keep-alive\n\nevent: message\nid: 7\n".to_vec()),
        Step::Chunk(data_line(&text("a"))),
        Step::Chunk(b"data: {\"choices\": [{\"delta\": {\"content\": \"lost\"}\n\n".to_vec()),
        Step::Chunk(b"data:\n\ndata: not json at all\n\n".to_vec()),
        Step::Chunk(data_line(&text("b"))),
        Step::Chunk(b"data: [DONE]\n\n".to_vec()),
        Step::End,
    ];
    let server = TestServer::start(vec![script]).await;
    let items = run(&backend(&server, 2.0, 0), request().0).await;
    assert_eq!(texts(&items), "ab");
    assert_eq!(items.len(), 3);
}

#[tokio::test]
async fn stream_ending_without_done_completes_with_eof() {
    let script = vec![
        Step::Raw(SSE_HEAD.to_vec()),
        Step::Chunk(data_line(&text("partial"))),
        // A last line without its newline is still read at the end of the body.
        Step::Chunk(
            format!(
                "data: {}",
                json!({"choices": [], "usage": {"input_tokens": 1, "output_tokens": 1}})
            )
            .into_bytes(),
        ),
        Step::End,
    ];
    let server = TestServer::start(vec![script]).await;
    let items = run(&backend(&server, 2.0, 0), request().0).await;
    assert_eq!(texts(&items), "partial");
    match items.last() {
        Some(Ok(ChatStreamEvent::Completed {
            finish_reason,
            usage,
            ..
        })) => {
            assert_eq!(finish_reason.as_deref(), Some("eof"));
            assert_eq!(usage.map(|u| u.total_tokens), Some(2));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn data_after_done_never_yields_anything() {
    let script = vec![
        Step::Raw(SSE_HEAD.to_vec()),
        Step::Chunk(data_line(&text("x"))),
        Step::Chunk(b"data: [DONE]\n\n".to_vec()),
        Step::Chunk(data_line(&text("late"))),
        Step::Chunk(data_line(&finish("length"))),
        Step::End,
    ];
    let server = TestServer::start(vec![script]).await;
    let items = run(&backend(&server, 2.0, 0), request().0).await;
    assert_eq!(texts(&items), "x");
    assert_eq!(completed_reason(&items).as_deref(), Some("done"));
}

#[tokio::test]
async fn length_finish_fails_with_context_length_exceeded() {
    let server = TestServer::start(vec![sse_ok(&[text("long"), finish("length")])]).await;
    let (request, retries) = request();
    let items = run(&backend(&server, 2.0, 2), request).await;
    assert_eq!(texts(&items), "long");
    let error = final_error(&items);
    assert_eq!(error.error_kind(), "context_length_exceeded");
    assert!(!error.retryable());
    assert!(retries.lock().unwrap().is_empty());
}

#[tokio::test]
async fn connection_dropped_mid_stream_fails_with_request_error_and_no_retry_after_a_yield() {
    // Chunked body cut off without its terminating chunk.
    let script = vec![
        Step::Raw(SSE_HEAD.to_vec()),
        Step::Chunk(data_line(&text("half"))),
        Step::Pause(Duration::from_millis(20)),
    ];
    let server = TestServer::start(vec![script, sse_ok(&[text("never")])]).await;
    let (request, retries) = request();
    let items = run(&backend(&server, 2.0, 3), request).await;
    assert_eq!(items[0], Ok(ChatStreamEvent::TextDelta("half".into())));
    let error = final_error(&items);
    assert!(matches!(error, LlmError::Request(_)), "{error:?}");
    assert_eq!(error.error_kind(), "llm_error");
    assert_eq!(error.details(), Some(json!({"kind": "request_error"})));
    assert!(retries.lock().unwrap().is_empty());
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn connection_dropped_before_any_event_is_retried() {
    let script = vec![
        Step::Raw(SSE_HEAD.to_vec()),
        // A tool-call fragment yields nothing until it is flushed.
        Step::Chunk(data_line(
            &json!({"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"name": "x"}}]}}]}),
        )),
    ];
    let server = TestServer::start(vec![script, sse_ok(&[text("again")])]).await;
    let (request, retries) = request();
    let items = run(&backend(&server, 2.0, 1), request).await;
    assert_eq!(texts(&items), "again");
    assert!(
        calls(&items).is_empty(),
        "the fresh attempt starts a fresh parser"
    );
    let retries = retries.lock().unwrap();
    assert_eq!(retries.len(), 1);
    assert_eq!(
        (retries[0].error_kind, retries[0].status_code),
        ("request_error", None)
    );
}

#[tokio::test]
async fn slow_server_hits_the_read_timeout_after_a_delta_without_retry() {
    let script = vec![
        Step::Raw(SSE_HEAD.to_vec()),
        Step::Chunk(data_line(&text("first"))),
        Step::Pause(Duration::from_secs(2)),
        Step::Chunk(data_line(&text("too late"))),
        Step::End,
    ];
    let server = TestServer::start(vec![script]).await;
    let (request, retries) = request();
    let started = Instant::now();
    let items = run(&backend(&server, 0.3, 2), request).await;
    assert!(started.elapsed() < Duration::from_millis(1500));
    assert_eq!(texts(&items), "first");
    let error = final_error(&items);
    assert!(matches!(error, LlmError::Timeout(_)), "{error:?}");
    assert_eq!(error.details(), Some(json!({"kind": "timeout"})));
    assert!(retries.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_response_slower_than_the_timeout_is_retried_as_a_request_error() {
    let stalled = vec![Step::Pause(Duration::from_secs(2))];
    let server = TestServer::start(vec![stalled, sse_ok(&[text("fast")])]).await;
    let (request, retries) = request();
    let items = run(&backend(&server, 0.3, 1), request).await;
    assert_eq!(texts(&items), "fast");
    let retries = retries.lock().unwrap();
    assert_eq!(retries.len(), 1);
    assert_eq!(retries[0].error_kind, "request_error");
}

#[tokio::test]
async fn dropping_the_stream_aborts_the_request() {
    let (closed_tx, closed_rx) = oneshot::channel();
    let script = vec![
        Step::Raw(SSE_HEAD.to_vec()),
        Step::Chunk(data_line(&text("streaming"))),
        Step::AwaitClientClose(closed_tx),
    ];
    let server = TestServer::start(vec![script]).await;
    let mut stream = backend(&server, 5.0, 0).stream_chat(request().0);
    assert_eq!(
        stream.next().await,
        Some(Ok(ChatStreamEvent::TextDelta("streaming".into())))
    );
    drop(stream);
    tokio::time::timeout(Duration::from_secs(1), closed_rx)
        .await
        .expect("the connection is closed when the stream is dropped")
        .unwrap();
}

#[tokio::test]
async fn missing_api_key_fails_with_config_error_before_any_request() {
    let server = TestServer::start(vec![sse_ok(&[text("never")])]).await;
    let llm = config(&server.base_url, 2.0, 2);
    let backend = OpenAiBackend::from_env(&llm, &HashMap::new()).unwrap();
    let items = run(&backend, request().0).await;
    assert_eq!(items.len(), 1);
    let error = final_error(&items);
    assert_eq!(error.error_kind(), "config_error");
    assert!(error.message().contains("TEST_OPENAI_KEY"));
    assert_eq!(server.request_count(), 0);

    let env = HashMap::from([("TEST_OPENAI_KEY".to_string(), "sk-env".to_string())]);
    let items = run(&OpenAiBackend::from_env(&llm, &env).unwrap(), request().0).await;
    assert_eq!(texts(&items), "never");
    assert!(server.head(0).contains("Bearer sk-env"));
}
