//! The `request@turn_N.messages[...]` checks of the spec §10 scenarios: what the model is sent
//! is not an event, so `tests/e2e/run.rs` (which checks the events through the CLI) leaves these
//! to this test, which records the requests the engine makes.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use skills_runtime::agent::llm::scripted::ScriptedBackend;
use skills_runtime::agent::llm::{ChatBackend, ChatRequest, ChatStream};
use skills_runtime::agent::run::{RunRequest, RunSetup, RunStatus, start};
use skills_runtime::config::LoadOptions;

/// Remembers each request's messages, then lets the script answer.
struct Recording {
    inner: ScriptedBackend,
    requests: Mutex<Vec<Vec<Value>>>,
}

impl ChatBackend for Recording {
    fn stream_chat(&self, request: ChatRequest) -> ChatStream {
        self.requests.lock().unwrap().push(request.messages.clone());
        self.inner.stream_chat(request)
    }

    fn provider(&self) -> &'static str {
        "fake"
    }
}

fn scenario(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/e2e/scenarios")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn skill_mention_injection_sends_the_reference_messages() {
    let s = scenario("skill_mention_injection");
    let root = std::env::temp_dir().join(format!(
        "skills-agent-scenario-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(root.join("config")).unwrap();
    let root = root.canonicalize().unwrap();
    std::fs::write(root.join("config/runtime.yaml"), s["config"].to_string()).unwrap();
    for (path, content) in s["files"].as_object().unwrap() {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content.as_str().unwrap()).unwrap();
    }
    let mut opts = LoadOptions::new(&root);
    opts.use_dotenv = false;
    opts.env = Default::default();
    let mut setup = RunSetup::load(&opts).unwrap();
    let backend = Arc::new(Recording {
        inner: ScriptedBackend::from_json(&s).unwrap(),
        requests: Mutex::new(Vec::new()),
    });
    setup.backend = Some(backend.clone());
    let result = start(setup, RunRequest::new(s["task"].as_str().unwrap()))
        .unwrap()
        .wait()
        .await;
    assert_eq!(result.status, RunStatus::Completed);
    let requests = backend.requests.lock().unwrap().clone();
    let ws = root.to_string_lossy().into_owned();

    let mut checked = 0;
    for (key, want) in s["expect"]["checks"].as_object().unwrap() {
        let Some(rest) = key.strip_prefix("request@turn_") else {
            continue;
        };
        let (turn, path) = rest.split_once(".messages[").unwrap();
        let turn: usize = turn.parse().unwrap();
        let messages = &requests[turn - 1];
        let (index, field) = path.split_once(']').unwrap();
        if let Some((from, to)) = index.split_once("..") {
            // "assistant{content:null,tool_calls:[call_1]}, tool{tool_call_id:call_1, result
            // not_found}, user{task}" — the history after one tool call, then the task.
            let (from, to): (usize, usize) = (from.parse().unwrap(), to.parse().unwrap());
            let m = &messages[from..=to];
            assert_eq!(m[0]["role"], "assistant");
            assert_eq!(m[0]["content"], Value::Null);
            assert_eq!(m[0]["tool_calls"][0]["id"], "call_1");
            assert_eq!(m[1]["role"], "tool");
            assert_eq!(m[1]["tool_call_id"], "call_1");
            let result: Value = serde_json::from_str(m[1]["content"].as_str().unwrap()).unwrap();
            assert_eq!(result["error_kind"], "not_found");
            assert_eq!(m[2], json!({"role": "user", "content": s["task"]}));
        } else {
            let mut got = &messages[index.parse::<usize>().unwrap()];
            if let Some(f) = field.strip_prefix('.') {
                got = &got[f];
            }
            let want = match want {
                Value::String(t) => Value::String(t.replace("<ws>", &ws)),
                other => other.clone(),
            };
            assert_eq!(got, &want, "{key}");
        }
        checked += 1;
    }
    assert_eq!(checked, 4);
    // The tool message is Python's json.dumps of the result (", " and ": " separators).
    let tool = &requests[1][4];
    assert!(
        tool["content"]
            .as_str()
            .unwrap()
            .starts_with("{\"ok\": false, \"stdout\": \"\", \"stderr\": ")
    );
    std::fs::remove_dir_all(root).unwrap();
}
