//! The run engine end to end through its public API, with the scripted backend: stop
//! conditions, approvals (loop guard, timeout, no provider, session cache, abort), cancellation
//! of a running shell command, redaction, resume, and the WAL matching the stream.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use skills_runtime::agent::approvals::{
    ApprovalDecision, ApprovalInbox, ApprovalProvider, FixedApprovals, ScriptedApprovals,
};
use skills_runtime::agent::events::Event;
use skills_runtime::agent::llm::scripted::ScriptedBackend;
use skills_runtime::agent::run::{
    BuiltinTools, RunRequest, RunResult, RunSetup, RunStatus, ToolFuture, ToolSet, start,
};
use skills_runtime::agent::tools::{GateCategory, SkillActionIntent, ToolContext, ToolInvocation};
use skills_runtime::agent::wal;
use skills_runtime::config::LoadOptions;

struct Ws {
    root: PathBuf,
}

impl Ws {
    fn new(name: &str, config: Value) -> Ws {
        let root = std::env::temp_dir().join(format!(
            "skills-agent-run-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(root.join("config")).unwrap();
        let root = root.canonicalize().unwrap();
        std::fs::write(
            root.join("config/runtime.yaml"),
            serde_json::to_string(&config).unwrap(),
        )
        .unwrap();
        Ws { root }
    }

    fn file(&self, rel: &str, content: &str) -> &Ws {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
        self
    }

    fn setup(&self, llm_calls: Value) -> RunSetup {
        let mut opts = LoadOptions::new(&self.root);
        opts.use_dotenv = false;
        opts.env = Default::default();
        let mut setup = RunSetup::load(&opts).expect("config loads");
        setup.backend = Some(Arc::new(
            ScriptedBackend::from_json(&json!({ "llm_calls": llm_calls })).unwrap(),
        ));
        setup
    }
}

impl Drop for Ws {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

async fn run(setup: RunSetup, task: &str) -> (Vec<Event>, RunResult) {
    let mut handle = start(setup, RunRequest::new(task)).expect("run starts");
    let mut events = Vec::new();
    while let Some(e) = handle.next_event().await {
        events.push(e);
    }
    let result = handle.wait().await;
    // The WAL holds exactly what was streamed.
    let on_disk = wal::read_events(Path::new(&result.wal_locator), None).unwrap();
    assert_eq!(on_disk.events, events);
    assert_eq!((on_disk.skipped_lines, on_disk.torn_tail), (0, false));
    (events, result)
}

/// `type@turn/step` labels, as the spec's scenarios write them.
fn labels(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| match (&e.turn_id, &e.step_id) {
            (Some(t), Some(s)) => format!("{}@{t}/{s}", e.kind),
            (Some(t), None) => format!("{}@{t}", e.kind),
            (None, Some(s)) => format!("{}@/{s}", e.kind),
            (None, None) => e.kind.clone(),
        })
        .collect()
}

fn find<'a>(events: &'a [Event], kind: &str) -> Vec<&'a Event> {
    events.iter().filter(|e| e.kind == kind).collect()
}

fn call(id: &str, name: &str, args: Value) -> Value {
    json!({"call_id": id, "name": name, "arguments": args.to_string()})
}

fn calls(list: Vec<Value>) -> Value {
    json!([{"type": "tool_calls", "finish_reason": "tool_calls", "tool_calls": list}])
}

fn text(t: &str) -> Value {
    json!([{"type": "text_delta", "text": t}])
}

#[tokio::test]
async fn max_steps_stops_before_the_second_call_and_the_first_never_runs() {
    let ws = Ws::new(
        "maxsteps",
        json!({"run": {"max_steps": 1}, "safety": {"mode": "allow"}}),
    );
    let setup = ws.setup(json!([calls(vec![
        call(
            "c1",
            "file_write",
            json!({"path": "one.txt", "content": "1"})
        ),
        call(
            "c2",
            "file_write",
            json!({"path": "two.txt", "content": "2"})
        ),
    ])]));
    let (events, result) = run(setup, "write").await;
    assert_eq!(
        labels(&events),
        [
            "run_started",
            "llm_request_started@turn_1",
            "llm_response_delta@turn_1",
            "tool_call_requested@turn_1/step_1",
            "tool_call_requested@turn_1/step_2",
            "run_failed"
        ]
    );
    assert_eq!(result.status, RunStatus::Failed);
    assert_eq!(result.final_output, "budget exceeded: max_steps=1");
    assert_eq!(events[5].payload["error_kind"], "budget_exceeded");
    assert!(!ws.root.join("one.txt").exists());
}

#[tokio::test]
async fn wall_time_budget_interrupts_a_slow_stream() {
    let ws = Ws::new("walltime", json!({"run": {"max_wall_time_sec": 1}}));
    let setup = ws.setup(json!([[{"type": "text_delta", "text": "a"},
                                  {"type": "wait", "ms": 5000},
                                  {"type": "text_delta", "text": "never"}]]));
    let t = Instant::now();
    let (events, result) = run(setup, "slow").await;
    assert!(t.elapsed() < Duration::from_secs(3));
    assert_eq!(
        labels(&events),
        [
            "run_started",
            "llm_request_started@turn_1",
            "llm_response_delta@turn_1",
            "run_failed"
        ]
    );
    assert_eq!(
        result.final_output,
        "budget exceeded: max_wall_time_sec=1.0"
    );
    assert_eq!(events[3].payload["error_kind"], "budget_exceeded");
}

#[tokio::test]
async fn abort_in_the_second_of_three_calls_cancels_and_runs_nothing() {
    let ws = Ws::new("abort", json!({"safety": {"mode": "ask"}}));
    let mut setup = ws.setup(json!([calls(vec![
        call("c1", "file_write", json!({"path": "a.txt", "content": "a"})),
        call("c2", "file_write", json!({"path": "b.txt", "content": "b"})),
        call("c3", "file_write", json!({"path": "c.txt", "content": "c"})),
    ])]));
    setup.approvals = Some(Arc::new(ScriptedApprovals::new([
        ApprovalDecision::Approved,
        ApprovalDecision::Abort,
    ])));
    let (events, result) = run(setup, "write three").await;
    assert_eq!(
        labels(&events)[3..],
        [
            "tool_call_requested@turn_1/step_1",
            "approval_requested@turn_1/step_1",
            "approval_decided@turn_1/step_1",
            "tool_call_requested@turn_1/step_2",
            "approval_requested@turn_1/step_2",
            "approval_decided@turn_1/step_2",
            "run_cancelled"
        ]
    );
    assert_eq!(events[8].payload["decision"], "abort");
    assert_eq!(result.status, RunStatus::Cancelled);
    assert_eq!(result.final_output, "cancelled by user");
    assert!(!ws.root.join("a.txt").exists());
}

#[tokio::test]
async fn denials_of_different_actions_do_not_trip_the_loop_guard() {
    let ws = Ws::new("guard", json!({"safety": {"mode": "ask"}}));
    let mut setup = ws.setup(json!([
        calls(vec![call(
            "c1",
            "shell_exec",
            json!({"argv": ["rm", "-rf", "/tmp/x"]})
        )]),
        calls(vec![call(
            "c2",
            "shell_exec",
            json!({"argv": ["rm", "-rf", "/tmp/y"]})
        )]),
        calls(vec![call(
            "c3",
            "shell_exec",
            json!({"argv": ["rm", "-rf", "/tmp/x"]})
        )]),
        text("unreachable")
    ]));
    setup.approvals = Some(Arc::new(FixedApprovals(ApprovalDecision::Denied)));
    let (events, result) = run(setup, "clean").await;
    assert_eq!(result.status, RunStatus::Failed);
    assert_eq!(find(&events, "tool_call_finished").len(), 3);
    let failed = find(&events, "run_failed")[0];
    assert_eq!(failed.payload["error_kind"], "approval_denied");
    assert_eq!(
        failed.payload["details"]["approval_key"],
        "6cd804592523798d8921629e566319d67de0000033ba7d1a9edb487c66db4617"
    );
    // The reference's key order: wal_locator before details.
    let keys: Vec<&str> = failed.payload.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "error_kind",
            "message",
            "retryable",
            "wal_locator",
            "details"
        ]
    );
}

#[tokio::test]
async fn an_unanswered_approval_times_out_as_a_denial_that_counts() {
    let ws = Ws::new(
        "timeout",
        json!({"safety": {"mode": "ask", "approval_timeout_ms": 50}}),
    );
    let mut setup = ws.setup(json!([
        calls(vec![call(
            "c1",
            "shell_exec",
            json!({"argv": ["echo", "hi"]})
        )]),
        calls(vec![call(
            "c2",
            "shell_exec",
            json!({"argv": ["echo", "hi"]})
        )]),
    ]));
    let inbox = ApprovalInbox::new();
    setup.approvals = Some(inbox.clone() as Arc<dyn ApprovalProvider>);
    let (events, result) = run(setup, "echo").await;
    let decided = find(&events, "approval_decided");
    assert_eq!(decided.len(), 2);
    for d in decided {
        assert_eq!(d.payload["decision"], "denied");
        assert_eq!(d.payload["reason"], "timeout");
    }
    assert_eq!(result.status, RunStatus::Failed);
    assert_eq!(
        find(&events, "run_failed")[0].payload["details"]["reason"],
        "timeout"
    );
    assert!(inbox.pending().is_empty());
}

#[tokio::test]
async fn without_a_provider_ungated_tools_run_and_the_first_gated_call_fails_the_run() {
    let ws = Ws::new("noprovider", json!({"safety": {"mode": "ask"}}));
    ws.file("notes.txt", "hello\n");
    let setup = ws.setup(json!([
        calls(vec![call("c1", "file_read", json!({"path": "notes.txt"}))]),
        calls(vec![call(
            "c2",
            "shell_exec",
            json!({"argv": ["echo", "hi"]})
        )]),
    ]));
    let (events, result) = run(setup, "read then echo").await;
    let finished = find(&events, "tool_call_finished");
    assert_eq!(finished[0].payload["result"]["ok"], true);
    assert_eq!(finished[1].payload["result"]["stderr"], "approval denied");
    let decided = find(&events, "approval_decided")[0];
    assert_eq!(decided.payload["reason"], "no_provider");
    assert_eq!(result.status, RunStatus::Failed);
    assert_eq!(
        result.final_output,
        "ApprovalProvider is required for tool 'shell_exec' but none is configured."
    );
    let failed = find(&events, "run_failed")[0];
    assert_eq!(failed.payload["error_kind"], "config_error");
    assert_eq!(failed.payload["details"]["reason"], "no_provider");
}

#[tokio::test]
async fn approved_for_session_is_reused_without_asking_within_and_across_runs() {
    let ws = Ws::new("session", json!({"safety": {"mode": "ask"}}));
    let script = json!([
        calls(vec![call(
            "c1",
            "shell_exec",
            json!({"argv": ["echo", "hi"]})
        )]),
        calls(vec![call(
            "c2",
            "shell_exec",
            json!({"argv": ["echo", "hi"]})
        )]),
        text("done")
    ]);
    let mut setup = ws.setup(script.clone());
    let provider = Arc::new(ScriptedApprovals::new([
        ApprovalDecision::ApprovedForSession,
    ]));
    setup.approvals = Some(provider.clone());
    let session = setup.session.clone();
    let (events, result) = run(setup, "echo twice").await;
    assert_eq!(result.status, RunStatus::Completed);
    assert_eq!(find(&events, "approval_requested").len(), 1);
    let decided = find(&events, "approval_decided");
    assert_eq!(decided[1].payload["decision"], "approved_for_session");
    assert_eq!(decided[1].payload["reason"], "cached");
    assert_eq!(provider.remaining(), 0);
    // A second run of the same session does not ask either.
    let mut setup = ws.setup(script);
    setup.approvals = Some(provider.clone());
    setup.session = session;
    let (events, result) = run(setup, "again").await;
    assert_eq!(result.status, RunStatus::Completed);
    assert!(find(&events, "approval_requested").is_empty());
}

fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    unsafe { libc::kill(pid, 0) == 0 }
}

#[tokio::test]
async fn cancelling_during_a_shell_command_kills_its_process_group() {
    let ws = Ws::new("cancel", json!({"safety": {"mode": "allow"}}));
    let script = "sleep 30 & echo $! > child.pid; echo $$ > shell.pid; wait";
    let setup = ws.setup(json!([
        calls(vec![call(
            "c1",
            "shell_exec",
            json!({"argv": ["sh", "-c", script]})
        )]),
        text("unreachable")
    ]));
    let mut handle = start(setup, RunRequest::new("sleep")).unwrap();
    let mut events = Vec::new();
    let t = Instant::now();
    while let Some(e) = handle.next_event().await {
        if e.kind == "tool_call_started" {
            let pidfile = ws.root.join("child.pid");
            while !pidfile.exists() || std::fs::read_to_string(&pidfile).unwrap().is_empty() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            handle.cancel();
        }
        events.push(e);
    }
    let result = handle.wait().await;
    assert!(t.elapsed() < Duration::from_secs(10));
    assert_eq!(result.status, RunStatus::Cancelled);
    let finished = find(&events, "tool_call_finished")[0];
    assert_eq!(finished.payload["result"]["error_kind"], "cancelled");
    assert_eq!(events.last().unwrap().kind, "run_cancelled");
    for f in ["child.pid", "shell.pid"] {
        let pid: i32 = std::fs::read_to_string(ws.root.join(f))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(2);
        while alive(pid) && Instant::now() < deadline {
            // Reaped by init once killed; give it a moment.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!alive(pid), "{f} ({pid}) survived the cancellation");
    }
}

#[tokio::test]
async fn secrets_are_scrubbed_from_logged_argv_approvals_and_results_but_keys_stay_reference_exact()
{
    let ws = Ws::new("redact", json!({"safety": {"mode": "ask"}}));
    let mut setup = ws.setup(json!([
        calls(vec![call(
            "c1",
            "shell_exec",
            json!({"argv": ["echo", "tok-SECRET-1234"]})
        )]),
        text("done")
    ]));
    setup.session.set_env_var("API_TOKEN", "tok-SECRET-1234");
    setup.approvals = Some(Arc::new(FixedApprovals(ApprovalDecision::Approved)));
    let (events, result) = run(setup, "echo the token").await;
    assert_eq!(result.status, RunStatus::Completed);
    let text = std::fs::read_to_string(&result.wal_locator).unwrap();
    assert!(!text.contains("tok-SECRET-1234"), "{text}");
    let requested = find(&events, "tool_call_requested")[0];
    assert_eq!(
        requested.payload["arguments"]["argv"],
        json!(["echo", "<redacted>"])
    );
    let approval = find(&events, "approval_requested")[0];
    assert_eq!(
        approval.payload["summary"],
        "授权：shell_exec 执行命令：echo <redacted>"
    );
    // The key is computed over what the reference hashes: the argv as given.
    let expected = skills_runtime::agent::safety::approval_request(
        "shell_exec",
        Some(skills_runtime::agent::tools::GateCategory::Shell),
        json!({"argv": ["echo", "tok-SECRET-1234"]})
            .as_object()
            .unwrap(),
        None,
        &Default::default(),
    )
    .approval_key;
    assert_eq!(approval.payload["approval_key"], expected);
    let finished = find(&events, "tool_call_finished")[0];
    assert_eq!(finished.payload["result"]["stdout"], "<redacted>\n");
}

#[tokio::test]
async fn ask_human_without_a_human_ends_the_run_waiting() {
    let ws = Ws::new("human", json!({}));
    let setup = ws.setup(json!([calls(vec![call(
        "c1",
        "ask_human",
        json!({"question": "which file?"})
    )])]));
    let (events, result) = run(setup, "ask").await;
    assert_eq!(result.status, RunStatus::WaitingHuman);
    let last = events.last().unwrap();
    assert_eq!(last.kind, "run_waiting_human");
    assert_eq!(last.step_id.as_deref(), Some("step_1"));
    assert_eq!(last.turn_id, None);
    assert_eq!(last.payload["error_kind"], "human_required");
    assert_eq!(last.payload["call_id"], "c1");
}

#[tokio::test]
async fn malformed_arguments_and_unknown_tools_are_answered_and_the_run_goes_on() {
    let ws = Ws::new("badargs", json!({}));
    let setup = ws.setup(json!([
        [{"type": "tool_calls", "tool_calls": [
            {"call_id": "c1", "name": "file_read", "arguments": "{\"path\": \"a.txt\""},
            {"call_id": "c2", "name": "teleport", "arguments": "{}"}]}],
        text("ok")
    ]));
    let (events, result) = run(setup, "go").await;
    assert_eq!(result.status, RunStatus::Completed);
    assert!(find(&events, "tool_call_started").is_empty());
    let requested = find(&events, "tool_call_requested");
    assert_eq!(requested[0].payload["arguments_valid"], false);
    assert_eq!(
        requested[0].payload["raw_arguments_error"],
        "Expecting ',' delimiter: line 1 column 17 (char 16)"
    );
    assert_eq!(requested[0].payload["raw_arguments_len"], 16);
    let finished = find(&events, "tool_call_finished");
    assert_eq!(finished[0].payload["result"]["error_kind"], "validation");
    assert_eq!(
        finished[0].payload["result"]["stderr"],
        "invalid tool arguments JSON: Expecting ',' delimiter: line 1 column 17 (char 16)"
    );
    assert_eq!(finished[1].payload["result"]["error_kind"], "permission");
    assert_eq!(
        finished[1].payload["result"]["data"],
        json!({"tool": "teleport", "reason": "descriptor=deny"})
    );
    assert_eq!(
        requested[1].payload["arguments"],
        json!({"error": "Descriptor lookup failed; denying tool execution."})
    );
}

#[tokio::test]
async fn an_exhausted_script_fails_with_the_reference_message() {
    let ws = Ws::new("exhausted", json!({}));
    let setup = ws.setup(json!([]));
    let (events, result) = run(setup, "x").await;
    assert_eq!(
        labels(&events),
        ["run_started", "llm_request_started@turn_1", "run_failed"]
    );
    assert_eq!(result.final_output, "FakeChatBackend calls 已耗尽");
    assert_eq!(events[2].payload["error_kind"], "config_error");
}

#[tokio::test]
async fn unknown_mentions_are_reported_once_and_the_run_continues() {
    let ws = Ws::new(
        "mentions",
        json!({"skills": {
            "spaces": [{"id": "web", "namespace": "web", "sources": ["fs"]}],
            "sources": [{"id": "fs", "type": "filesystem", "options": {"root": "skills"}}]}}),
    );
    ws.file(
        "skills/writer/SKILL.md",
        "---\nname: writer\ndescription: writes\n---\nbody\n",
    );
    let setup = ws.setup(json!([
        calls(vec![call(
            "c1",
            "update_plan",
            json!({"plan": [{"step": "a", "status": "pending"}]})
        )]),
        text("done")
    ]));
    let (events, result) = run(setup, "use $[web].writr and $[web].writer and $[docs].xy").await;
    assert_eq!(
        result.status,
        RunStatus::Completed,
        "{:#?}",
        labels(&events)
    );
    let unresolved = find(&events, "skill_mention_unresolved");
    assert_eq!(unresolved.len(), 2);
    assert_eq!(unresolved[0].payload["code"], "SKILL_UNKNOWN");
    assert_eq!(unresolved[0].payload["help"], "did you mean `writer`?");
    assert_eq!(unresolved[1].payload["code"], "SKILL_SPACE_NOT_CONFIGURED");
    // The skill that does resolve is injected on every turn.
    assert_eq!(
        find(&events, "skill_injected").len(),
        2,
        "{:#?}",
        labels(&events)
    );
    assert_eq!(find(&events, "plan_updated").len(), 1);
}

#[tokio::test]
async fn a_mention_into_a_configured_space_without_skills_is_skill_unknown() {
    let ws = Ws::new(
        "mentions-empty-space",
        json!({"skills": {
            "spaces": [{"id": "empty", "namespace": "empty", "sources": ["none"]}],
            "sources": [{"id": "none", "type": "filesystem", "options": {"root": "empty"}}]}}),
    );
    std::fs::create_dir_all(ws.root.join("empty")).unwrap();
    let setup = ws.setup(json!([text("done")]));
    let (events, result) = run(setup, "use $[empty].writer and $[docs].xy").await;
    assert_eq!(result.status, RunStatus::Completed);
    let unresolved = find(&events, "skill_mention_unresolved");
    assert_eq!(unresolved.len(), 2, "{:#?}", labels(&events));
    assert_eq!(unresolved[0].payload["code"], "SKILL_UNKNOWN");
    assert_eq!(unresolved[1].payload["code"], "SKILL_SPACE_NOT_CONFIGURED");
}

#[tokio::test]
async fn reusing_a_run_id_resumes_with_a_summary_of_the_previous_segment() {
    let ws = Ws::new("resume", json!({}));
    let setup = ws.setup(json!([text("first answer")]));
    let mut req = RunRequest::new("first");
    req.run_id = Some("run_fixed".into());
    let h = start(setup, req).unwrap();
    let r1 = h.wait().await;
    assert_eq!(r1.status, RunStatus::Completed);
    let setup = ws.setup(json!([text("second")]));
    let mut req = RunRequest::new("second");
    req.run_id = Some("run_fixed".into());
    let h = start(setup, req).unwrap();
    let r2 = h.wait().await;
    assert_eq!(r1.wal_locator, r2.wal_locator);
    let all = wal::read_events(Path::new(&r2.wal_locator), Some("run_fixed"))
        .unwrap()
        .events;
    let starts = find(&all, "run_started");
    assert_eq!(starts.len(), 2);
    assert_eq!(
        starts[1].payload["resume"],
        json!({"enabled": true, "strategy": "summary", "previous_events": 4})
    );
    // The second request: system, skills list, [Resume Summary], task.
    let requests = find(&all, "llm_request_started");
    assert_eq!(requests[1].payload["messages_count"], 4);
}

#[tokio::test]
async fn a_run_id_that_is_not_a_plain_name_is_refused() {
    let ws = Ws::new("badid", json!({}));
    let mut req = RunRequest::new("x");
    req.run_id = Some("../escape".into());
    assert!(start(ws.setup(json!([])), req).is_err());
}

#[tokio::test]
async fn an_editor_answering_on_approval_requested_always_finds_the_request_pending() {
    let ws = Ws::new("inbox", json!({"safety": {"mode": "ask"}}));
    let mut setup = ws.setup(json!([
        calls(vec![call(
            "c1",
            "shell_exec",
            json!({"argv": ["echo", "one"]})
        )]),
        calls(vec![call(
            "c2",
            "shell_exec",
            json!({"argv": ["echo", "two"]})
        )]),
        text("done")
    ]));
    let inbox = ApprovalInbox::new();
    setup.approvals = Some(inbox.clone() as Arc<dyn ApprovalProvider>);
    let mut handle = start(setup, RunRequest::new("echo")).unwrap();
    let mut answered = 0;
    while let Some(e) = handle.next_event().await {
        if e.kind == "approval_requested" {
            let key = e.payload_str("approval_key").unwrap();
            assert!(
                inbox.decide(&e.run_id, key, ApprovalDecision::Approved),
                "not pending yet"
            );
            answered += 1;
        }
    }
    assert_eq!(answered, 2);
    assert_eq!(handle.wait().await.status, RunStatus::Completed);
}

fn skill_workspace(name: &str, policy: &str) -> Ws {
    let ws = Ws::new(
        name,
        json!({"skills": {
            "env_var_missing_policy": policy,
            "spaces": [{"id": "web", "namespace": "web", "sources": ["fs"]}],
            "sources": [{"id": "fs", "type": "filesystem", "options": {"root": "skills"}}]}}),
    );
    ws.file(
        "skills/deploy/SKILL.md",
        "---\nname: deploy\ndescription: deploys\n---\nbody\n",
    )
    .file(
        "skills/deploy/agents/openai.yaml",
        "dependencies:\n  tools:\n    - {type: env_var, value: SKILLS_TEST_UNSET_TOKEN}\n",
    );
    ws
}

#[tokio::test]
async fn a_skill_missing_its_env_var_is_skipped_or_fails_the_run_per_policy() {
    let ws = skill_workspace("envskip", "skip_skill");
    let (events, result) = run(ws.setup(json!([text("ok")])), "use $[web].deploy").await;
    assert_eq!(result.status, RunStatus::Completed);
    assert_eq!(
        labels(&events)[..4],
        [
            "run_started",
            "env_var_required@turn_1",
            "skill_injection_skipped@turn_1",
            "llm_request_started@turn_1"
        ]
    );
    assert_eq!(
        events[2].payload["missing_env_vars"],
        json!(["SKILLS_TEST_UNSET_TOKEN"])
    );
    // Without the skill: system, skills list, task.
    assert_eq!(events[3].payload["messages_count"], 3);

    let ws = skill_workspace("envfail", "fail_fast");
    let (events, result) = run(ws.setup(json!([text("ok")])), "use $[web].deploy").await;
    assert_eq!(result.status, RunStatus::Failed);
    let failed = events.last().unwrap();
    assert_eq!(failed.payload["error_kind"], "missing_env_var");
    assert_eq!(
        failed.payload["details"]["missing_env_vars"],
        json!(["SKILLS_TEST_UNSET_TOKEN"])
    );

    // A value the session already has is used and never logged.
    let ws = skill_workspace("envset", "fail_fast");
    let setup = ws.setup(json!([text("ok")]));
    setup
        .session
        .set_env_var("SKILLS_TEST_UNSET_TOKEN", "value-never-logged");
    let (events, result) = run(setup, "use $[web].deploy").await;
    assert_eq!(result.status, RunStatus::Completed);
    assert_eq!(events[1].kind, "env_var_set");
    assert_eq!(events[1].payload["value_source"], "provided");
    assert_eq!(events[2].kind, "skill_injected");
    let text = std::fs::read_to_string(&result.wal_locator).unwrap();
    assert!(!text.contains("value-never-logged"));
}

/// A human who always gives the same answer.
struct Answers(&'static str);

impl skills_runtime::agent::tools::HumanIo for Answers {
    fn ask(
        &self,
        _call_id: &str,
        _question: &str,
        _choices: &[String],
        _context: &Value,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<String>> + Send + '_>> {
        let a = self.0.to_string();
        Box::pin(async move { Some(a) })
    }
}

#[tokio::test]
async fn ask_human_events_are_streamed_just_before_the_call_finishes() {
    let ws = Ws::new("askhuman", json!({}));
    let mut setup = ws.setup(json!([
        calls(vec![call(
            "c1",
            "ask_human",
            json!({"question": "which file?"})
        )]),
        text("thanks")
    ]));
    setup.human = Some(Arc::new(Answers("a.txt")));
    let (events, result) = run(setup, "ask").await;
    assert_eq!(result.status, RunStatus::Completed);
    assert_eq!(
        labels(&events)[3..7],
        [
            "tool_call_requested@turn_1/step_1",
            "tool_call_started@turn_1/step_1",
            "human_request",
            "human_response"
        ]
    );
    assert_eq!(events[7].kind, "tool_call_finished");
    assert_eq!(events[7].payload["result"]["data"]["answer"], "a.txt");
}

/// A backend that fails or reports retries, for the error mapping.
struct Failing(skills_runtime::agent::llm::LlmError, bool);

impl skills_runtime::agent::llm::ChatBackend for Failing {
    fn stream_chat(
        &self,
        request: skills_runtime::agent::llm::ChatRequest,
    ) -> skills_runtime::agent::llm::ChatStream {
        if self.1 {
            if let Some(hook) = &request.on_retry {
                hook(skills_runtime::agent::llm::RetryScheduled {
                    error_kind: "http_status",
                    status_code: Some(429),
                    attempt: 0,
                    max_retries: 3,
                    retry_after_ms: Some(2000),
                    delay_ms: 2000,
                });
            }
        }
        let e = self.0.clone();
        Box::pin(futures_util::stream::once(async move { Err(e) }))
    }

    fn provider(&self) -> &'static str {
        "test"
    }
}

#[tokio::test]
async fn backend_errors_map_onto_the_error_kind_catalogue() {
    use skills_runtime::agent::llm::LlmError;
    let ws = Ws::new("llmerr", json!({}));
    let mut setup = ws.setup(json!([]));
    setup.backend = Some(Arc::new(Failing(
        LlmError::Auth {
            status: 401,
            message: "HTTP 401: bad key".into(),
        },
        true,
    )));
    let (events, result) = run(setup, "x").await;
    assert_eq!(
        labels(&events),
        [
            "run_started",
            "llm_request_started@turn_1",
            "llm_retry_scheduled@turn_1",
            "run_failed"
        ]
    );
    assert_eq!(
        events[2].payload,
        *json!({"provider": "openai", "error_kind": "http_status", "status_code": 429,
                "attempt": 0, "max_retries": 3, "retry_after_ms": 2000, "delay_ms": 2000})
        .as_object()
        .unwrap()
    );
    assert_eq!(result.final_output, "HTTP 401: bad key");
    assert_eq!(events[3].payload["details"], json!({"status_code": 401}));
    assert_eq!(events[3].payload["error_kind"], "auth_error");

    let mut setup = ws.setup(json!([]));
    setup.backend = Some(Arc::new(Failing(
        LlmError::ContextLengthExceeded("context length exceeded".into()),
        false,
    )));
    let (events, _) = run(setup, "x").await;
    let n = events.len();
    assert_eq!(events[n - 2].kind, "context_length_exceeded");
    assert_eq!(
        events[n - 2].payload,
        *json!({"mode": "fail_fast", "compactions": 0})
            .as_object()
            .unwrap()
    );
    assert_eq!(
        events[n - 1].payload["error_kind"],
        "context_length_exceeded"
    );
}

#[tokio::test]
async fn no_backend_fails_before_the_first_turn() {
    let ws = Ws::new("nobackend", json!({}));
    let mut setup = ws.setup(json!([]));
    setup.backend = None;
    let (events, result) = run(setup, "x").await;
    assert_eq!(labels(&events), ["run_started", "run_failed"]);
    assert_eq!(result.final_output, "未配置 LLM backend（backend=None）");
}

#[tokio::test]
async fn a_skill_over_the_injection_limit_fails_after_its_skill_injected() {
    let ws = Ws::new(
        "toolarge",
        json!({"skills": {
            "injection": {"max_bytes": 10},
            "spaces": [{"id": "web", "namespace": "web", "sources": ["fs"]}],
            "sources": [{"id": "fs", "type": "filesystem", "options": {"root": "skills"}}]}}),
    );
    ws.file(
        "skills/big/SKILL.md",
        "---\nname: big\ndescription: too big\n---\nbody\n",
    );
    let (events, result) = run(ws.setup(json!([text("never")])), "use $[web].big").await;
    assert_eq!(
        labels(&events),
        ["run_started", "skill_injected@turn_1", "run_failed"]
    );
    assert_eq!(
        result.final_output,
        "Skill body exceeds configured max bytes."
    );
    let details = &events[2].payload["details"];
    assert_eq!(details["framework_code"], "SKILL_BODY_TOO_LARGE");
    assert_eq!(details["framework_details"]["limit_bytes"], 10);
    assert_eq!(details["framework_details"]["actual_bytes"], 44);
}

#[tokio::test]
async fn cancelling_while_an_approval_is_pending_ends_the_run_at_once() {
    let ws = Ws::new("cancelapproval", json!({"safety": {"mode": "ask"}}));
    let mut setup = ws.setup(json!([calls(vec![call(
        "c1",
        "shell_exec",
        json!({"argv": ["echo", "hi"]})
    )])]));
    let inbox = ApprovalInbox::new();
    setup.approvals = Some(inbox.clone() as Arc<dyn ApprovalProvider>);
    let mut handle = start(setup, RunRequest::new("echo")).unwrap();
    let mut events = Vec::new();
    while let Some(e) = handle.next_event().await {
        if e.kind == "approval_requested" {
            handle.cancel();
        }
        events.push(e);
    }
    let n = events.len();
    assert_eq!(events[n - 2].kind, "approval_requested");
    assert_eq!(events[n - 1].kind, "run_cancelled");
    assert!(inbox.pending().is_empty());
    assert_eq!(handle.wait().await.status, RunStatus::Cancelled);
}

#[tokio::test]
async fn an_initial_history_is_kept_and_suppresses_the_resume_summary() {
    let ws = Ws::new("history", json!({}));
    let setup = ws.setup(json!([text("first")]));
    let mut req = RunRequest::new("one");
    req.run_id = Some("run_hist".into());
    start(setup, req).unwrap().wait().await;
    let setup = ws.setup(json!([text("second")]));
    let mut req = RunRequest::new("two");
    req.run_id = Some("run_hist".into());
    req.initial_history = Some(vec![
        json!({"role": "user", "content": "earlier"}),
        json!({"role": "assistant", "content": "reply"}),
        json!({"role": "tool", "content": "dropped"}),
        json!({"role": "user", "content": ["not a string"]}),
    ]);
    let result = start(setup, req).unwrap().wait().await;
    assert_eq!(result.status, RunStatus::Completed);
    let all = wal::read_events(Path::new(&result.wal_locator), None)
        .unwrap()
        .events;
    let started = find(&all, "run_started");
    assert_eq!(started[1].payload["resume"]["enabled"], false);
    assert_eq!(started[1].payload["resume"]["previous_events"], 4);
    // system, skills list, the two kept history messages, task.
    assert_eq!(
        find(&all, "llm_request_started")[1].payload["messages_count"],
        5
    );
}

/// The built-in tools, recording the thread each `skill_action` resolution runs on.
#[derive(Default)]
struct ThreadProbe(std::sync::Mutex<Vec<std::thread::ThreadId>>);

impl ToolSet for ThreadProbe {
    fn specs(&self) -> Vec<skills_runtime::agent::llm::ToolSpec> {
        BuiltinTools.specs()
    }
    fn category(&self, name: &str) -> Option<GateCategory> {
        BuiltinTools.category(name)
    }
    fn skill_action(
        &self,
        name: &str,
        args: &serde_json::Map<String, Value>,
        ctx: &ToolContext,
    ) -> Option<SkillActionIntent> {
        self.0.lock().unwrap().push(std::thread::current().id());
        BuiltinTools.skill_action(name, args, ctx)
    }
    fn execute<'a>(&'a self, call: ToolInvocation<'a>, ctx: &'a ToolContext) -> ToolFuture<'a> {
        BuiltinTools.execute(call, ctx)
    }
}

#[tokio::test(flavor = "current_thread")]
async fn skill_actions_are_resolved_on_the_blocking_pool_not_the_run_task() {
    let ws = Ws::new("skill-action-thread", json!({}));
    let mut setup = ws.setup(json!([
        calls(vec![call(
            "c1",
            "skill_exec",
            json!({"skill_mention": "$[web].hello", "action_id": "greet"})
        )]),
        text("done")
    ]));
    let probe = Arc::new(ThreadProbe::default());
    setup.tools = probe.clone();
    setup.approvals = Some(Arc::new(FixedApprovals(ApprovalDecision::Denied)));
    let (_, result) = run(setup, "go").await;
    assert_eq!(result.status, RunStatus::Completed);
    let threads = probe.0.lock().unwrap().clone();
    // Once for the streamed call (`llm_response_delta`), once to log and gate it.
    assert_eq!(threads.len(), 2, "{threads:?}");
    // The run's task runs on this thread (current-thread runtime); the resolution does not.
    assert!(threads.iter().all(|t| *t != std::thread::current().id()));
}
