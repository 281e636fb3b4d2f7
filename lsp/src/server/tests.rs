//! The server in-process, over in-memory byte streams with real framing: the version guard,
//! ordered publishing under rapid edits, incremental updates across files, pull diagnostics,
//! the status command. (The full scenario suite runs the binary: `tests/e2e/lsp/`.)

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::scheduler::publish_version;
use super::transport::{FrameReader, frame};

const TIMEOUT: Duration = Duration::from_secs(20);

use skills_lsp_tests::TempWorkspace as TempDir;

use skills_lsp_tests::ONE_SPACE_CONFIG as CONFIG;

fn skill(name: &str, body: &str) -> String {
    format!("---\nname: {name}\ndescription: The {name} skill.\n---\n{body}\n")
}

fn workspace(name: &str) -> TempDir {
    let t = TempDir::new(name);
    t.write("config/runtime.yaml", CONFIG);
    t.write(
        "skills/writer/SKILL.md",
        skill("writer", "Uses $[acme:docs].checker."),
    );
    t.write("skills/checker/SKILL.md", skill("checker", "Plain."));
    t.write("docs/guide.md", "See $[acme:docs].writer.\n");
    t
}

fn uri(p: &Path) -> String {
    format!("file://{}", p.display())
}

struct ChannelReader {
    rx: Receiver<Vec<u8>>,
    pending: Vec<u8>,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            match self.rx.recv() {
                Ok(bytes) => self.pending = bytes,
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

struct ChannelWriter(Sender<Vec<u8>>);

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .send(buf.to_vec())
            .map_err(|_| std::io::ErrorKind::BrokenPipe)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A client talking to an in-process server.
struct Client {
    to_server: Option<Sender<Vec<u8>>>,
    from_server: Receiver<Vec<u8>>,
    frames: FrameReader,
    next_id: i64,
    /// Messages received and not consumed yet.
    inbox: Vec<Value>,
    /// Every message received.
    history: Vec<Value>,
    /// When set, requests from the server are kept here unanswered.
    held: Option<Vec<Value>>,
    server: Option<std::thread::JoinHandle<bool>>,
}

impl Client {
    fn start(root: &Path, capabilities: Value) -> Client {
        Client::initialized(json!({"processId": null, "rootUri": uri(root),
                                   "capabilities": capabilities}))
    }

    /// A server initialized with `params`, its first folder indexed.
    fn initialized(params: Value) -> Client {
        let (in_tx, in_rx) = channel();
        let (out_tx, out_rx) = channel();
        let server = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let reader = ChannelReader {
                rx: in_rx,
                pending: Vec::new(),
            };
            let shut_down = rt.block_on(super::serve(reader, ChannelWriter(out_tx)));
            rt.shutdown_background();
            shut_down
        });
        let mut c = Client {
            to_server: Some(in_tx),
            from_server: out_rx,
            frames: FrameReader::default(),
            next_id: 0,
            inbox: Vec::new(),
            history: Vec::new(),
            held: None,
            server: Some(server),
        };
        c.request("initialize", params);
        c.notify("initialized", json!({}));
        c.wait_for(|m| m["method"] == "skills/indexed");
        c
    }

    fn send(&mut self, msg: Value) {
        let bytes = frame(msg.to_string().as_bytes());
        self.to_server.as_ref().unwrap().send(bytes).unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(|m| m["id"] == id && m.get("method").is_none())
    }

    /// Every message received until `done` accepts one (which is returned last).
    fn collect_until(&mut self, done: impl Fn(&Value) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + TIMEOUT;
        let mut seen = std::mem::take(&mut self.inbox);
        if let Some(i) = seen.iter().position(&done) {
            self.inbox = seen.split_off(i + 1);
            return seen;
        }
        loop {
            while let Some(body) = self.frames.next_body() {
                let msg: Value = serde_json::from_slice(&body).unwrap();
                self.history.push(msg.clone());
                // Requests from the server get an empty answer, or wait in `held`.
                if msg.get("method").is_some() && msg.get("id").is_some() {
                    match &mut self.held {
                        Some(held) => held.push(msg.clone()),
                        None => {
                            let answer = json!({"jsonrpc": "2.0", "id": msg["id"], "result": null});
                            self.send(answer);
                        }
                    }
                }
                let last = done(&msg);
                seen.push(msg);
                if last {
                    return seen;
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.from_server.recv_timeout(left) {
                Ok(bytes) => self.frames.push(&bytes),
                Err(RecvTimeoutError::Timeout) => panic!("timed out; received: {seen:#?}"),
                Err(RecvTimeoutError::Disconnected) => panic!("server gone; received: {seen:#?}"),
            }
        }
    }

    fn wait_for(&mut self, done: impl Fn(&Value) -> bool) -> Value {
        self.collect_until(done).pop().unwrap()
    }

    /// Diagnostics published for `doc` at `version`.
    fn diagnostics(&mut self, doc: &str, version: i64) -> Vec<Value> {
        let m = self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == doc
                && m["params"]["version"] == version
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn shutdown(mut self) -> bool {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.to_server = None;
        self.server.take().unwrap().join().unwrap()
    }
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn push_client() -> Value {
    json!({"textDocument": {"publishDiagnostics": {"versionSupport": true}}})
}

#[test]
fn the_version_guard_skips_stale_analyses_and_reopened_documents() {
    // Open at version 5, analyzed at 5: published as version 5.
    assert_eq!(publish_version(Some(5), Some(5), true), Some(Some(5)));
    // Open at 6, last analysis at 5: wait for the analysis of 6.
    assert_eq!(publish_version(Some(6), Some(5), true), None);
    // Reopened and not analyzed yet: the workspace holds the disk state, never published.
    assert_eq!(publish_version(Some(1), None, true), None);
    // A config file open as on disk.
    assert_eq!(publish_version(Some(3), None, false), Some(Some(3)));
    // Not open: no version.
    assert_eq!(publish_version(None, Some(4), true), Some(None));
}

#[test]
fn rapid_edits_publish_in_order_and_end_with_the_last_version() {
    let t = workspace("rapid");
    let path = t.root.join("skills/writer/SKILL.md");
    let doc = uri(&path);
    let mut c = Client::start(&t.root, push_client());
    let text = std::fs::read_to_string(&path).unwrap();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": doc, "languageId": "markdown", "version": 1, "text": text}}),
    );
    assert_eq!(c.diagnostics(&doc, 1), Vec::<Value>::new());
    // 60 edits without waiting: type an unknown mention on a new last line, one character
    // at a time, in UTF-16 columns (emoji included).
    let typed: Vec<char> = "😀 $[acme:docs].chekcer".chars().collect();
    let line = text.lines().count() as u32;
    let mut column = 0u32;
    for (i, ch) in typed.iter().cycle().take(60).enumerate() {
        let version = i as i64 + 2;
        let ch = if i >= typed.len() { ' ' } else { *ch };
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": doc, "version": version},
                   "contentChanges": [{"range": {"start": {"line": line, "character": column},
                                                 "end": {"line": line, "character": column}},
                                       "text": ch.to_string()}]}),
        );
        column += ch.len_utf16() as u32;
    }
    let seen = c.collect_until(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == doc
            && m["params"]["version"] == 61
    });
    let versions: Vec<i64> = seen
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == doc)
        .map(|m| m["params"]["version"].as_i64().unwrap())
        .collect();
    assert!(
        versions.windows(2).all(|w| w[0] < w[1]),
        "publishes out of order: {versions:?}"
    );
    let last = seen.last().unwrap()["params"]["diagnostics"]
        .as_array()
        .unwrap();
    assert_eq!(codes(last), ["SK301"], "{last:#?}");
    assert_eq!(
        last[0]["range"]["start"],
        json!({"line": line, "character": 3}),
        "UTF-16 column after the emoji and a space"
    );
    assert!(c.shutdown());
}

#[test]
fn renaming_a_skill_in_a_buffer_updates_mentions_in_other_files() {
    let t = workspace("relink");
    let path = t.root.join("skills/checker/SKILL.md");
    let doc = uri(&path);
    let guide = uri(&t.root.join("docs/guide.md"));
    let writer = uri(&t.root.join("skills/writer/SKILL.md"));
    let mut c = Client::start(&t.root, push_client());
    let text = skill("fact-checker", "Plain.");
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": doc, "languageId": "markdown", "version": 1, "text": text}}),
    );
    c.diagnostics(&doc, 1);
    // The writer's mention of `checker` no longer resolves; it is not open: no version.
    let m = c.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == writer
    });
    assert_eq!(m["params"]["version"], Value::Null);
    assert_eq!(
        codes(m["params"]["diagnostics"].as_array().unwrap()),
        ["SK301"]
    );
    // Closing the buffer brings the disk back: cleared again.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": doc}}),
    );
    let m = c.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == writer
    });
    assert_eq!(m["params"]["diagnostics"], json!([]));
    // The guide mentions `writer`, which never changed: nothing was published for it.
    assert!(!c.history.iter().any(|m| m["params"]["uri"] == guide));
    assert!(c.shutdown());
}

#[test]
fn pull_clients_get_reports_and_no_pushes() {
    let t = workspace("pull");
    let path = t.root.join("docs/guide.md");
    let doc = uri(&path);
    let mut c = Client::start(
        &t.root,
        json!({"textDocument": {"diagnostic": {}, "publishDiagnostics": {}}}),
    );
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": doc, "languageId": "markdown", "version": 1,
                                "text": "$[acme:docs].nope\n"}}),
    );
    let r = c.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": doc}}),
    );
    let report = &r["result"];
    assert_eq!(report["kind"], "full");
    assert_eq!(codes(report["items"].as_array().unwrap()), ["SK301"]);
    let id = report["resultId"].clone();
    let again = c.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": doc}, "previousResultId": id}),
    );
    assert_eq!(again["result"]["kind"], "unchanged");
    c.request(
        "workspace/executeCommand",
        json!({"command": "skills.serverStatus", "arguments": []}),
    );
    assert!(
        !c.history
            .iter()
            .any(|m| m["method"] == "textDocument/publishDiagnostics"),
        "a pull client gets no pushes"
    );
    assert!(c.shutdown());
}

#[test]
fn server_status_reports_workspaces_and_counts() {
    let t = workspace("status");
    let mut c = Client::start(&t.root, push_client());
    let r = c.request(
        "workspace/executeCommand",
        json!({"command": "skills.serverStatus", "arguments": []}),
    );
    let status = &r["result"];
    assert_eq!(status["name"], "skills-lsp");
    assert_eq!(status["skills"], 2);
    assert_eq!(status["positionEncoding"], "utf-16");
    let ws = &status["folders"][0]["workspaces"][0];
    assert_eq!(ws["root"], t.root.display().to_string());
    assert_eq!(
        ws["configFiles"],
        json!([t.root.join("config/runtime.yaml").display().to_string()])
    );
    let unknown = c.request(
        "workspace/executeCommand",
        json!({"command": "skills.nope", "arguments": []}),
    );
    assert_eq!(unknown["error"]["code"], -32602);
    assert!(c.shutdown());
}

#[test]
fn end_of_input_without_shutdown_is_not_a_clean_exit() {
    let t = workspace("eof");
    let mut c = Client::start(&t.root, push_client());
    c.to_server = None;
    assert!(!c.server.take().unwrap().join().unwrap());
}

#[test]
fn removing_a_folder_re_checks_its_open_documents_outside_it() {
    let t = workspace("removed-folder");
    let path = t.root.join("docs/guide.md");
    let doc = uri(&path);
    let mut c = Client::start(&t.root, push_client());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": doc, "languageId": "markdown", "version": 1,
                                "text": "$[acme:docs].nope\n"}}),
    );
    assert_eq!(codes(&c.diagnostics(&doc, 1)), ["SK301"]);
    c.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [], "removed": [{"uri": uri(&t.root), "name": "ws"}]}}),
    );
    // Outside every folder, `acme` is no configured namespace any more: the SK301 of the
    // removed folder's config must not stay on screen.
    let after = c.diagnostics(&doc, 1);
    assert!(!codes(&after).contains(&"SK301".to_string()), "{after:#?}");
    let status = c.request(
        "workspace/executeCommand",
        json!({"command": "skills.serverStatus", "arguments": []}),
    );
    assert_eq!(status["result"]["folders"], json!([]));
    assert!(c.shutdown());
}

/// A URI as VS Code writes it: every byte but unreserved ones and `/` percent-encoded.
fn encoded_uri(p: &Path) -> String {
    let mut out = String::from("file://");
    for b in p.display().to_string().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[test]
fn percent_encoded_uris_reach_the_same_files_and_answers_use_the_clients_uri() {
    let t = TempDir::new("enc");
    let ws = t.root.join("my skills é");
    std::fs::create_dir_all(&ws).unwrap();
    let w = |rel: &str, text: &str| {
        let p = ws.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    };
    w("config/runtime.yaml", CONFIG);
    w("skills/checker/SKILL.md", &skill("checker", "Plain."));
    w("docs/guide.md", "See $[acme:docs].checker.\n");
    let folder = encoded_uri(&ws);
    let mut c = Client::initialized(json!({"processId": null, "capabilities": push_client(),
                                           "workspaceFolders": [{"uri": folder, "name": "ws"}]}));
    let doc = encoded_uri(&ws.join("docs/guide.md"));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": doc, "languageId": "markdown", "version": 1,
                                "text": "See $[acme:docs].chekcer.\n"}}),
    );
    // Published to the URI exactly as the client spelled it.
    assert_eq!(codes(&c.diagnostics(&doc, 1)), ["SK301"]);
    let def = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": doc}, "position": {"line": 0, "character": 20}}),
    );
    assert_eq!(def["result"], Value::Null, "{def:#}");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 2},
               "contentChanges": [{"text": "See $[acme:docs].checker.\n"}]}),
    );
    assert_eq!(c.diagnostics(&doc, 2), Vec::<Value>::new());
    let def = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": doc}, "position": {"line": 0, "character": 20}}),
    );
    let target = def["result"][0]["uri"].as_str().unwrap().to_string();
    let target: tower_lsp_server::ls_types::Uri = target.parse().unwrap();
    assert_eq!(
        target.to_file_path().unwrap(),
        ws.join("skills/checker/SKILL.md")
    );
    assert!(c.shutdown());
}

#[test]
fn untitled_documents_are_served_without_analysis_or_errors() {
    let t = workspace("untitled");
    let mut c = Client::start(&t.root, push_client());
    let doc = "untitled:Untitled-1";
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": doc, "languageId": "markdown", "version": 1,
                                "text": "$[acme:docs].\n"}}),
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": doc, "version": 2},
               "contentChanges": [{"range": {"start": {"line": 9, "character": 9},
                                             "end": {"line": 0, "character": 0}},
                                   "text": "x"}]}),
    );
    for method in [
        "textDocument/completion",
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/references",
        "textDocument/prepareRename",
    ] {
        let r = c.request(
            method,
            json!({"textDocument": {"uri": doc}, "position": {"line": 0, "character": 13},
                   "context": {"includeDeclaration": true}}),
        );
        assert_eq!(r["result"], Value::Null, "{method}: {r:#}");
    }
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": doc}}),
    );
    let status = c.request(
        "workspace/executeCommand",
        json!({"command": "skills.serverStatus", "arguments": []}),
    );
    assert_eq!(status["result"]["openDocuments"], 0);
    assert!(
        !c.history
            .iter()
            .any(|m| m["params"]["uri"] == doc && m["method"] == "textDocument/publishDiagnostics")
    );
    assert!(c.shutdown());
}

/// Requests at random positions between random edits (frontmatter syntax, mentions, CRLF,
/// emoji, out-of-range positions) in a SKILL.md, a Markdown file and `runtime.yaml`.
#[test]
fn requests_between_random_edits_never_fail_internally() {
    const PIECES: &[&str] = &[
        "$[",
        "acme",
        ":",
        "docs",
        "].",
        "checker",
        "\n",
        "---",
        "name:",
        " ",
        "😀",
        "日",
        "\r\n",
        "\"",
        "'",
        "[",
        "](",
        "./x.md)",
        "#",
        "description: ",
        "\t",
        "{",
        "}",
        "-",
        "|",
        ">",
        "\r",
        "metadata:\n  a: b\n",
        "skills:\n  spaces:\n",
        "sources: [",
    ];
    const METHODS: &[&str] = &[
        "textDocument/completion",
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/references",
        "textDocument/prepareRename",
        "textDocument/rename",
        "textDocument/codeAction",
        "textDocument/semanticTokens/full",
        "textDocument/documentSymbol",
        "textDocument/documentLink",
    ];
    let t = workspace("random-requests");
    let mut c = Client::start(&t.root, push_client());
    let mut rng = fastrand::Rng::with_seed(11);
    let pos =
        |rng: &mut fastrand::Rng| json!({"line": rng.u32(0..12), "character": rng.u32(0..40)});
    for file in [
        "skills/writer/SKILL.md",
        "docs/guide.md",
        "config/runtime.yaml",
    ] {
        let path = t.root.join(file);
        let doc = uri(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        c.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": doc, "languageId": "markdown", "version": 1,
                                    "text": text}}),
        );
        for version in 2..150 {
            let insert: String = (0..rng.usize(0..4))
                .map(|_| PIECES[rng.usize(..PIECES.len())])
                .collect();
            let (a, b) = (pos(&mut rng), pos(&mut rng));
            c.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": doc, "version": version},
                       "contentChanges": [{"range": {"start": a, "end": b}, "text": insert}]}),
            );
            let method = METHODS[rng.usize(..METHODS.len())];
            let at = pos(&mut rng);
            let r = c.request(
                method,
                json!({"textDocument": {"uri": doc}, "position": at, "newName": "new-name",
                       "context": {"includeDeclaration": true, "diagnostics": []},
                       "range": {"start": at, "end": pos(&mut rng)}}),
            );
            assert_ne!(
                r["error"]["code"], -32603,
                "{method} at {at} (v{version}): {r:#}"
            );
        }
    }
    assert!(c.shutdown());
}

#[cfg(unix)]
#[test]
fn closing_a_deleted_file_opened_through_a_symlink_clears_its_diagnostics() {
    let t = workspace("symlinked-orphan");
    let outside = TempDir::new("symlinked-orphan-outside");
    std::fs::create_dir_all(outside.root.join("real/s")).unwrap();
    std::os::unix::fs::symlink(outside.root.join("real"), outside.root.join("link")).unwrap();
    let doc = uri(&outside.root.join("link/s/SKILL.md"));
    let mut c = Client::start(&t.root, push_client());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": doc, "languageId": "markdown", "version": 1,
                                "text": "---\nname: Bad Name\n---\n"}}),
    );
    assert!(!c.diagnostics(&doc, 1).is_empty());
    // The file's directory goes away while it is open (the path no longer resolves).
    std::fs::remove_dir_all(outside.root.join("real")).unwrap();
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": doc}}),
    );
    let m = c.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == doc
            && m["params"]["version"].is_null()
    });
    assert_eq!(m["params"]["diagnostics"], json!([]));
    assert!(c.shutdown());
}

#[test]
fn an_outdated_settings_answer_arriving_last_is_not_applied() {
    let t = workspace("settings-order");
    let mut capabilities = push_client();
    capabilities["workspace"] = json!({"configuration": true});
    let mut c = Client::start(&t.root, capabilities);
    // The pull spawned at `initialized` may arrive after `skills/indexed`: let it be answered
    // (with defaults) first, so the two held pulls are the two this test triggers.
    if !c
        .history
        .iter()
        .any(|m| m["method"] == "workspace/configuration")
    {
        c.wait_for(|m| m["method"] == "workspace/configuration");
    }
    c.held = Some(Vec::new());
    for _ in 0..2 {
        c.notify("workspace/didChangeConfiguration", json!({"settings": {}}));
        c.wait_for(|m| m["method"] == "workspace/configuration");
    }
    let held = c.held.take().unwrap();
    let (older, newer) = (&held[0], &held[1]);
    let answer = |c: &mut Client, request: &Value, profile: &str| {
        c.send(json!({"jsonrpc": "2.0", "id": request["id"],
                      "result": [{"profile": profile}, {}]}));
    };
    answer(&mut c, newer, "agentskills");
    c.wait_for(|m| m["method"] == "skills/indexed");
    answer(&mut c, older, "runtime");
    std::thread::sleep(Duration::from_millis(300));
    let status = c.request(
        "workspace/executeCommand",
        json!({"command": "skills.serverStatus", "arguments": []}),
    );
    assert_eq!(status["result"]["settings"]["profile"], "agentskills");
    assert!(c.shutdown());
}

#[test]
fn diagnostic_refreshes_do_not_pile_up_while_the_client_has_not_answered() {
    let t = workspace("refresh");
    let path = t.root.join("skills/checker/SKILL.md");
    let doc = uri(&path);
    let mut c = Client::start(
        &t.root,
        json!({"textDocument": {"diagnostic": {}},
               "workspace": {"diagnostics": {"refreshSupport": true}}}),
    );
    c.held = Some(Vec::new());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": doc, "languageId": "markdown", "version": 1,
                                "text": skill("checker", "Plain.")}}),
    );
    // Renaming the skill letter by letter: every edit changes diagnostics in other files.
    for (i, name) in ["checke", "check", "chec", "che", "ch", "c"]
        .iter()
        .enumerate()
    {
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": doc, "version": i + 2},
                   "contentChanges": [{"text": skill(name, "Plain.")}]}),
        );
        // A request in between: every edit is analyzed before the next.
        c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": doc},
                                                "position": {"line": 0, "character": 0}}),
        );
    }
    std::thread::sleep(Duration::from_millis(200));
    c.request(
        "workspace/executeCommand",
        json!({"command": "skills.serverStatus", "arguments": []}),
    );
    let refreshes = c
        .held
        .as_ref()
        .unwrap()
        .iter()
        .filter(|m| m["method"] == "workspace/diagnostic/refresh")
        .count();
    assert_eq!(refreshes, 1, "{:#?}", c.held);
    assert!(c.shutdown());
}

#[test]
fn a_panicking_handler_is_contained_and_reported_as_an_internal_error() {
    let err = super::guarded("didChange", || -> () { panic!("a bug") }).unwrap_err();
    assert_eq!(
        err.code,
        tower_lsp_server::jsonrpc::ErrorCode::InternalError
    );
    assert!(
        err.message.contains("internal error in didChange"),
        "{}",
        err.message
    );
    assert_eq!(super::guarded("ok", || 7).unwrap(), 7);
}
