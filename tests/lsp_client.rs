//! A small synchronous JSON-RPC client that drives the real `skills-lsp` server over stdio.
//!
//! One reader thread parses the server's output (`Content-Length` framing), answers the
//! server's own requests at once (`workspace/configuration`, `client/registerCapability`,
//! `window/workDoneProgress/create`, … — replies are configurable per method) and hands every
//! message to the test through a channel. Another thread collects stderr. The test side waits
//! for responses and notifications with a timeout; when one does not come, the panic message
//! shows the last messages and the server's stderr, so a failure explains itself.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::lsp_text::{Encoding, same_file};

/// How the client answers one kind of server→client request: `Ok(result)` or
/// `Err((code, message))`.
pub type Reply = Box<dyn Fn(&Value) -> Result<Value, (i64, String)> + Send>;

/// What the reader thread passes on.
enum Event {
    Message(Value),
    /// The server wrote something that is not a well-framed JSON-RPC message.
    Garbage(String),
    Closed,
}

/// The default wait for anything the server should send.
pub fn default_timeout() -> Duration {
    let ms = std::env::var("LSP_TEST_TIMEOUT_MS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15_000);
    Duration::from_millis(ms)
}

/// How to start the server.
#[derive(Debug, Clone)]
pub struct Spawn {
    pub bin: PathBuf,
    pub args: Vec<String>,
    pub cwd: PathBuf,
    pub env: Vec<(String, String)>,
}

impl Spawn {
    pub fn new(bin: impl Into<PathBuf>, cwd: &Path) -> Self {
        Spawn {
            bin: bin.into(),
            args: Vec::new(),
            cwd: cwd.to_path_buf(),
            env: Vec::new(),
        }
    }

    pub fn args(mut self, args: &[&str]) -> Self {
        self.args = args.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }
}

/// A running server and the client's view of the conversation.
pub struct LspClient {
    child: Child,
    writer: Arc<Mutex<Option<ChildStdin>>>,
    events: Receiver<Event>,
    /// Received and not yet taken by a `wait_*` call, oldest first.
    inbox: VecDeque<Value>,
    /// Everything received, oldest first (for failure reports and `published`).
    history: Vec<Value>,
    replies: Arc<Mutex<HashMap<String, Reply>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    next_id: i64,
    closed: bool,
    garbage: Vec<String>,
    pub timeout: Duration,
    /// The encoding the server chose in `initialize` (utf-16 until then).
    pub encoding: Encoding,
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn write_to(writer: &Mutex<Option<ChildStdin>>, bytes: &[u8]) -> std::io::Result<()> {
    let mut guard = writer.lock().expect("writer lock");
    match guard.as_mut() {
        Some(w) => {
            w.write_all(bytes)?;
            w.flush()
        }
        None => Err(std::io::Error::new(
            std::io::ErrorKind::BrokenPipe,
            "stdin already closed",
        )),
    }
}

/// Reads one framed message; `Ok(None)` at a clean end of stream.
fn read_frame(reader: &mut impl BufRead) -> Result<Option<Vec<u8>>, String> {
    let mut length: Option<usize> = None;
    let mut first = true;
    loop {
        let mut line = String::new();
        let n = reader
            .read_line(&mut line)
            .map_err(|e| format!("reading a header: {e}"))?;
        if n == 0 {
            return if first && length.is_none() {
                Ok(None)
            } else {
                Err("end of stream inside a header".into())
            };
        }
        first = false;
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("malformed header line {line:?}"))?;
        if name.trim().eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .trim()
                    .parse()
                    .map_err(|_| format!("bad Content-Length {value:?}"))?,
            );
        }
    }
    let length = length.ok_or("message without Content-Length")?;
    let mut body = vec![0; length];
    reader
        .read_exact(&mut body)
        .map_err(|e| format!("reading a {length}-byte body: {e}"))?;
    Ok(Some(body))
}

fn default_replies() -> HashMap<String, Reply> {
    let mut m: HashMap<String, Reply> = HashMap::new();
    m.insert(
        "workspace/configuration".into(),
        Box::new(|params: &Value| {
            let n = params["items"].as_array().map_or(0, Vec::len);
            Ok(Value::Array(vec![Value::Null; n]))
        }),
    );
    for method in [
        "client/registerCapability",
        "client/unregisterCapability",
        "window/workDoneProgress/create",
        "window/showMessageRequest",
        "workspace/semanticTokens/refresh",
        "workspace/diagnostic/refresh",
        "workspace/inlayHint/refresh",
        "workspace/codeLens/refresh",
    ] {
        m.insert(method.into(), Box::new(|_: &Value| Ok(Value::Null)));
    }
    m.insert(
        "workspace/applyEdit".into(),
        Box::new(|_: &Value| Ok(json!({"applied": true}))),
    );
    m.insert(
        "window/showDocument".into(),
        Box::new(|_: &Value| Ok(json!({"success": true}))),
    );
    m
}

impl LspClient {
    /// Starts the server. It is killed when the client is dropped (if still running).
    pub fn spawn(spawn: &Spawn) -> Self {
        let mut cmd = Command::new(&spawn.bin);
        cmd.args(&spawn.args)
            .current_dir(&spawn.cwd)
            .env("NO_COLOR", "1")
            .env_remove("SKILLS_RUNTIME_SDK_CONFIG_PATHS")
            .env_remove("SKILLS_RUNTIME_SDK_ENV_FILE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &spawn.env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", spawn.bin.display()));
        let writer = Arc::new(Mutex::new(child.stdin.take()));
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr_pipe = child.stderr.take().expect("piped stderr");
        let replies = Arc::new(Mutex::new(default_replies()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = channel();

        {
            let stderr = Arc::clone(&stderr);
            thread::spawn(move || {
                let mut pipe = stderr_pipe;
                let mut buf = [0u8; 8192];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    stderr
                        .lock()
                        .expect("stderr lock")
                        .extend_from_slice(&buf[..n]);
                }
            });
        }
        {
            let writer = Arc::clone(&writer);
            let replies = Arc::clone(&replies);
            thread::spawn(move || read_loop(stdout, tx, writer, replies));
        }
        LspClient {
            child,
            writer,
            events: rx,
            inbox: VecDeque::new(),
            history: Vec::new(),
            replies,
            stderr,
            next_id: 1,
            closed: false,
            garbage: Vec::new(),
            timeout: default_timeout(),
            encoding: Encoding::Utf16,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Replaces how the client answers server requests of `method`.
    pub fn on_request(
        &self,
        method: &str,
        reply: impl Fn(&Value) -> Result<Value, (i64, String)> + Send + 'static,
    ) {
        self.replies
            .lock()
            .expect("replies lock")
            .insert(method.to_owned(), Box::new(reply));
    }

    /// Answers every `workspace/configuration` item with `settings`.
    pub fn set_configuration(&self, settings: Value) {
        self.on_request("workspace/configuration", move |params| {
            let n = params["items"].as_array().map_or(0, Vec::len);
            Ok(Value::Array(vec![settings.clone(); n]))
        });
    }

    // --- sending -------------------------------------------------------------------------

    /// Writes raw bytes to the server's stdin (for malformed-message tests).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        if let Err(e) = write_to(&self.writer, bytes) {
            self.fail(&format!("cannot write to the server: {e}"));
        }
    }

    /// Sends a framed JSON value as is.
    pub fn send_value(&mut self, msg: &Value) {
        let body = serde_json::to_vec(msg).expect("serialize");
        self.send_raw(&frame(&body));
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send_value(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its id without waiting.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send_value(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Sends a request and waits for its response: the result or the error object.
    pub fn request_result(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.send_request(method, params);
        self.response(id)
    }

    /// Sends a request and returns its result; an error response fails the test.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        match self.request_result(method, params.clone()) {
            Ok(v) => v,
            Err(e) => self.fail(&format!("{method} {params} failed: {e}")),
        }
    }

    /// Waits for the response to request `id`.
    pub fn response(&mut self, id: i64) -> Result<Value, Value> {
        let msg = self.wait_for(&format!("the response to request {id}"), |m| {
            m.get("method").is_none() && m["id"] == json!(id)
        });
        match msg.get("error") {
            Some(e) => Err(e.clone()),
            None => Ok(msg.get("result").cloned().unwrap_or(Value::Null)),
        }
    }

    // --- receiving -----------------------------------------------------------------------

    fn accept(&mut self, event: Event) {
        match event {
            Event::Message(m) => {
                self.history.push(m.clone());
                self.inbox.push_back(m);
            }
            Event::Garbage(g) => self.garbage.push(g),
            Event::Closed => self.closed = true,
        }
    }

    /// Takes everything the server has sent so far without waiting.
    pub fn pump(&mut self) {
        while let Ok(e) = self.events.try_recv() {
            self.accept(e);
        }
    }

    /// Waits up to `timeout` for a message matching `pred` and takes it from the inbox.
    pub fn try_wait_for(
        &mut self,
        timeout: Duration,
        mut pred: impl FnMut(&Value) -> bool,
    ) -> Option<Value> {
        let deadline = Instant::now() + timeout;
        let mut checked = 0;
        loop {
            while checked < self.inbox.len() {
                if pred(&self.inbox[checked]) {
                    return self.inbox.remove(checked);
                }
                checked += 1;
            }
            if self.closed {
                return None;
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            match self.events.recv_timeout(deadline - now) {
                Ok(e) => self.accept(e),
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => self.closed = true,
            }
        }
    }

    /// Waits (default timeout) for a message matching `pred`; fails the test with a report
    /// of the conversation when none comes.
    pub fn wait_for(&mut self, what: &str, pred: impl FnMut(&Value) -> bool) -> Value {
        let timeout = self.timeout;
        match self.try_wait_for(timeout, pred) {
            Some(m) => m,
            None if self.closed => self.fail(&format!("server closed its output before {what}")),
            None => self.fail(&format!("timed out after {timeout:?} waiting for {what}")),
        }
    }

    /// Waits for a notification `method` whose params satisfy `pred`; returns the params.
    pub fn wait_notification_where(
        &mut self,
        method: &str,
        mut pred: impl FnMut(&Value) -> bool,
    ) -> Value {
        let m = self.wait_for(&format!("notification {method}"), |m| {
            m["method"] == method && m.get("id").is_none() && pred(&m["params"])
        });
        m["params"].clone()
    }

    pub fn wait_notification(&mut self, method: &str) -> Value {
        self.wait_notification_where(method, |_| true)
    }

    /// Waits for a server→client request `method` (already answered by the reader thread);
    /// returns the whole message.
    pub fn wait_server_request(&mut self, method: &str) -> Value {
        self.wait_for(&format!("server request {method}"), |m| {
            m["method"] == method && m.get("id").is_some()
        })
    }

    /// Waits for `publishDiagnostics` for `uri` (with `version` if given) and returns the
    /// diagnostics array.
    pub fn wait_diagnostics(&mut self, uri: &str, version: Option<i64>) -> Vec<Value> {
        self.wait_diagnostics_where(uri, |p| version.is_none() || p["version"] == json!(version))
    }

    /// Waits for `publishDiagnostics` for `uri` whose params satisfy `pred`.
    pub fn wait_diagnostics_where(
        &mut self,
        uri: &str,
        mut pred: impl FnMut(&Value) -> bool,
    ) -> Vec<Value> {
        let what = format!("publishDiagnostics for {uri}");
        let m = self.wait_for(&what, |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"]
                    .as_str()
                    .is_some_and(|u| same_file(u, uri))
                && pred(&m["params"])
        });
        m["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The last diagnostics published for `uri` so far (after taking what has arrived).
    pub fn published(&mut self, uri: &str) -> Option<Vec<Value>> {
        self.pump();
        self.history
            .iter()
            .rev()
            .find(|m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"]
                        .as_str()
                        .is_some_and(|u| same_file(u, uri))
            })
            .map(|m| {
                m["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
    }

    /// Every message received so far, oldest first.
    pub fn history(&mut self) -> &[Value] {
        self.pump();
        &self.history
    }

    /// Drops everything waiting in the inbox (the history keeps it).
    pub fn clear_inbox(&mut self) {
        self.pump();
        self.inbox.clear();
    }

    /// Output that was not a well-formed message (should stay empty).
    pub fn garbage(&mut self) -> &[String] {
        self.pump();
        &self.garbage
    }

    /// What the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().expect("stderr lock")).into_owned()
    }

    // --- lifecycle -----------------------------------------------------------------------

    /// `initialize` with `params`, then `initialized`; returns the result and records the
    /// negotiated position encoding.
    pub fn initialize(&mut self, params: Value) -> Value {
        let result = self.request("initialize", params);
        self.encoding = match result["capabilities"]["positionEncoding"].as_str() {
            Some("utf-8") => Encoding::Utf8,
            _ => Encoding::Utf16,
        };
        self.notify("initialized", json!({}));
        result
    }

    /// `shutdown` (must succeed with a null result), then `exit`; returns the exit code.
    pub fn shutdown_and_exit(&mut self) -> i32 {
        let result = self.request("shutdown", Value::Null);
        if !result.is_null() {
            self.fail(&format!("shutdown returned {result}, expected null"));
        }
        self.notify("exit", Value::Null);
        self.wait_exit()
    }

    /// Closes the server's stdin (end of stream).
    pub fn close_stdin(&mut self) {
        self.writer.lock().expect("writer lock").take();
    }

    /// Waits for the process to end (default timeout) and returns its exit code (-1 when
    /// killed by a signal).
    pub fn wait_exit(&mut self) -> i32 {
        match self.try_wait_exit(self.timeout) {
            Some(s) => s.code().unwrap_or(-1),
            None => self.fail("the server did not exit"),
        }
    }

    pub fn try_wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
                Ok(None) => return None,
                Err(e) => panic!("waiting for the server: {e}"),
            }
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Fails the test with `why` and a report of the conversation.
    pub fn fail(&mut self, why: &str) -> ! {
        self.pump();
        let mut report = format!("{why}\n--- last messages from the server (oldest first) ---\n");
        let start = self.history.len().saturating_sub(25);
        for m in &self.history[start..] {
            let s = m.to_string();
            if s.len() > 600 {
                let mut cut = 600;
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
                report.push_str(&format!("{}… ({} bytes)\n", &s[..cut], s.len()));
            } else {
                report.push_str(&s);
                report.push('\n');
            }
        }
        if self.history.is_empty() {
            report.push_str("(none)\n");
        }
        for g in &self.garbage {
            report.push_str(&format!("--- unparsable output: {g}\n"));
        }
        let status = match self.child.try_wait() {
            Ok(Some(s)) => format!("exited: {s}"),
            _ => "running".to_owned(),
        };
        let err = self.stderr();
        let tail_start = err.len().saturating_sub(4000);
        let tail_start = (tail_start..err.len())
            .find(|&i| err.is_char_boundary(i))
            .unwrap_or(err.len());
        report.push_str(&format!(
            "--- server {status}; stderr (last 4000 bytes) ---\n{}",
            &err[tail_start..]
        ));
        panic!("{report}");
    }
}

impl Drop for LspClient {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

fn read_loop(
    stdout: impl Read,
    tx: Sender<Event>,
    writer: Arc<Mutex<Option<ChildStdin>>>,
    replies: Arc<Mutex<HashMap<String, Reply>>>,
) {
    let mut reader = BufReader::new(stdout);
    loop {
        let body = match read_frame(&mut reader) {
            Ok(Some(b)) => b,
            Ok(None) => break,
            Err(e) => {
                let _ = tx.send(Event::Garbage(e));
                break;
            }
        };
        let msg: Value = match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                let text = String::from_utf8_lossy(&body).into_owned();
                let _ = tx.send(Event::Garbage(format!("invalid JSON ({e}): {text}")));
                continue;
            }
        };
        if let (Some(method), Some(id)) = (msg["method"].as_str(), msg.get("id")) {
            let answer = {
                let replies = replies.lock().expect("replies lock");
                match replies.get(method) {
                    Some(reply) => reply(&msg["params"]),
                    None => Err((-32601, format!("the test client does not handle {method}"))),
                }
            };
            let response = match answer {
                Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
                Err((code, message)) => {
                    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
                }
            };
            let body = serde_json::to_vec(&response).expect("serialize");
            // The server may already be gone; the test notices through the closed stream.
            let _ = write_to(&writer, &frame(&body));
        }
        if tx.send(Event::Message(msg)).is_err() {
            break;
        }
    }
    let _ = tx.send(Event::Closed);
}

/// Client capabilities for `initialize`, with the switches the tests vary.
#[derive(Debug, Clone)]
pub struct ClientSetup {
    /// `general.positionEncodings`, in preference order (empty: not sent, i.e. utf-16 only).
    pub encodings: Vec<Encoding>,
    /// Advertise `textDocument.diagnostic` (pull diagnostics).
    pub pull_diagnostics: bool,
    /// Advertise dynamic registration for `workspace/didChangeWatchedFiles`.
    pub watched_files_dynamic: bool,
    /// Advertise `workspace.configuration`.
    pub configuration: bool,
    /// Advertise `window.workDoneProgress`.
    pub work_done_progress: bool,
    /// Workspace folders (path, name); the first is also `rootUri`.
    pub folders: Vec<(PathBuf, String)>,
    pub initialization_options: Option<Value>,
}

impl ClientSetup {
    pub fn new(folders: &[&Path]) -> Self {
        ClientSetup {
            encodings: Vec::new(),
            pull_diagnostics: false,
            watched_files_dynamic: true,
            configuration: true,
            work_done_progress: true,
            folders: folders
                .iter()
                .map(|p| {
                    let name = p
                        .file_name()
                        .map_or("root".into(), |n| n.to_string_lossy().into_owned());
                    (p.to_path_buf(), name)
                })
                .collect(),
            initialization_options: None,
        }
    }

    pub fn params(&self) -> Value {
        use crate::lsp_text::file_uri;
        let folders: Vec<Value> = self
            .folders
            .iter()
            .map(|(p, n)| json!({"uri": file_uri(p), "name": n}))
            .collect();
        let mut text_document = json!({
            "synchronization": {"dynamicRegistration": false, "didSave": true},
            "completion": {
                "completionItem": {
                    "snippetSupport": true,
                    "documentationFormat": ["markdown", "plaintext"],
                    "insertReplaceSupport": true,
                    "labelDetailsSupport": true
                },
                "contextSupport": true
            },
            "hover": {"contentFormat": ["markdown", "plaintext"]},
            "definition": {"linkSupport": false},
            "references": {},
            "rename": {"prepareSupport": true},
            "codeAction": {
                "codeActionLiteralSupport": {
                    "codeActionKind": {"valueSet": ["", "quickfix", "refactor", "source"]}
                },
                "isPreferredSupport": true,
                "resolveSupport": {"properties": ["edit"]}
            },
            "documentSymbol": {"hierarchicalDocumentSymbolSupport": true},
            "semanticTokens": {
                "requests": {"full": true, "range": true},
                "tokenTypes": ["namespace", "function", "variable", "keyword", "string", "property"],
                "tokenModifiers": ["declaration", "deprecated", "readonly"],
                "formats": ["relative"]
            },
            "documentLink": {"tooltipSupport": true},
            "publishDiagnostics": {
                "relatedInformation": true,
                "versionSupport": true,
                "codeDescriptionSupport": true,
                "dataSupport": true
            }
        });
        if self.pull_diagnostics {
            text_document["diagnostic"] =
                json!({"dynamicRegistration": false, "relatedDocumentSupport": true});
        }
        let mut caps = json!({
            "workspace": {
                "applyEdit": true,
                "workspaceEdit": {
                    "documentChanges": true,
                    "resourceOperations": ["create", "rename", "delete"]
                },
                "workspaceFolders": true,
                "configuration": self.configuration,
                "didChangeConfiguration": {"dynamicRegistration": true},
                "didChangeWatchedFiles": {
                    "dynamicRegistration": self.watched_files_dynamic,
                    "relativePatternSupport": true
                },
                "symbol": {},
                "executeCommand": {},
                "semanticTokens": {"refreshSupport": true}
            },
            "textDocument": text_document,
            "window": {"workDoneProgress": self.work_done_progress, "showMessage": {}},
            "general": {}
        });
        if self.pull_diagnostics {
            caps["workspace"]["diagnostics"] = json!({"refreshSupport": true});
        }
        if !self.encodings.is_empty() {
            caps["general"]["positionEncodings"] = json!(
                self.encodings
                    .iter()
                    .map(|e| e.as_str())
                    .collect::<Vec<_>>()
            );
        }
        let mut params = json!({
            "processId": std::process::id(),
            "clientInfo": {"name": "skills-lsp-tests", "version": "0"},
            "rootUri": folders.first().map(|f| f["uri"].clone()).unwrap_or(Value::Null),
            "workspaceFolders": folders,
            "capabilities": caps
        });
        if let Some(o) = &self.initialization_options {
            params["initializationOptions"] = o.clone();
        }
        params
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cat` echoes every message: our requests come back as server requests, which the
    /// reader thread answers, and those answers come back as responses to our requests.
    fn echo() -> LspClient {
        let mut c = LspClient::spawn(&Spawn::new("cat", &std::env::temp_dir()));
        c.timeout = Duration::from_secs(5);
        c
    }

    #[test]
    fn requests_round_trip_through_the_reply_table() {
        let mut c = echo();
        let r = c.request_result("workspace/configuration", json!({"items": [{}, {}]}));
        assert_eq!(r, Ok(json!([null, null])));
        c.set_configuration(json!({"profile": "runtime"}));
        let r = c.request(
            "workspace/configuration",
            json!({"items": [{"section": "skills"}]}),
        );
        assert_eq!(r, json!([{"profile": "runtime"}]));
        let err = c
            .request_result("window/unknownThing", json!({}))
            .expect_err("unhandled server request");
        assert_eq!(err["code"], -32601);
        c.on_request("workspace/applyEdit", |_| Err((-1, "no".into())));
        assert_eq!(
            c.request_result("workspace/applyEdit", json!({}))
                .unwrap_err()["message"],
            "no"
        );
    }

    #[test]
    fn notifications_are_matched_and_taken_in_order() {
        let mut c = echo();
        c.notify("skills/indexed", json!({"n": 1}));
        c.notify("skills/indexed", json!({"n": 2}));
        c.notify(
            "textDocument/publishDiagnostics",
            json!({"uri": "file:///a%20b", "version": 3, "diagnostics": [{"code": "SK301"}]}),
        );
        assert_eq!(
            c.wait_notification_where("skills/indexed", |p| p["n"] == 2)["n"],
            2
        );
        assert_eq!(c.wait_notification("skills/indexed")["n"], 1);
        let d = c.wait_diagnostics("file:///a b", Some(3));
        assert_eq!(d[0]["code"], "SK301");
        assert_eq!(c.published("file:///a%20b").unwrap().len(), 1);
        assert!(c.garbage().is_empty());
    }

    #[test]
    fn unframed_output_is_reported_and_a_timeout_explains_itself() {
        let mut c = echo();
        c.send_raw(b"Content-Length: 3\r\n\r\n{x}");
        c.timeout = Duration::from_millis(300);
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            c.wait_notification("never")
        }))
        .expect_err("must time out");
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains("timed out"), "{msg}");
        assert!(msg.contains("invalid JSON"), "{msg}");
        c.close_stdin();
        assert!(c.try_wait_exit(Duration::from_secs(5)).is_some());
    }
}
