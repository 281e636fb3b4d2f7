//! `skills-lsp run` end to end: the five scenarios of spec §10 (`tests/e2e/scenarios/*.json`,
//! the spec's objects verbatim, our deviations in `ours.json`) through
//! `--backend scripted:FILE --json`, asserting the exact event sequence and payloads; exit
//! codes; Ctrl-C; and a run killed mid-way leaving a WAL that reads back.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use skills_lsp_tests::{TempWorkspace, repo_root, run};
use skills_runtime::agent::wal;

const BIN: &str = env!("CARGO_BIN_EXE_skills-lsp");

fn scenario_path(name: &str) -> PathBuf {
    repo_root()
        .join("tests/e2e/scenarios")
        .join(format!("{name}.json"))
}

fn load(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The events printed by `--json`.
fn events_of(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn label(e: &Value) -> String {
    let kind = e["type"].as_str().unwrap();
    match (e.get("turn_id"), e.get("step_id")) {
        (Some(t), Some(s)) => format!("{kind}@{}/{}", t.as_str().unwrap(), s.as_str().unwrap()),
        (Some(t), None) => format!("{kind}@{}", t.as_str().unwrap()),
        (None, Some(s)) => format!("{kind}@/{}", s.as_str().unwrap()),
        (None, None) => kind.to_string(),
    }
}

/// `expected` ⊆ `actual`: every key of an expected object is present with a matching value;
/// anything else must be equal. `<ws>` in expected strings stands for the workspace root.
fn matches(expected: &Value, actual: &Value, ws: &str) -> bool {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|av| matches(v, av, ws))),
        (Value::String(e), Value::String(a)) => e.replace("<ws>", ws) == *a,
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| matches(x, y, ws))
        }
        (e, a) => e == a,
    }
}

/// Resolves a check key (`type[@turn_N].payload.path`) against the events.
fn lookup<'a>(key: &str, events: &'a [Value]) -> Option<&'a Value> {
    let (selector, path) = key.split_once('.').unwrap_or((key, ""));
    let (kind, turn) = match selector.split_once('@') {
        Some((k, t)) => (k, Some(t)),
        None => (selector, None),
    };
    let event = events
        .iter()
        .find(|e| e["type"] == kind && turn.is_none_or(|t| e["turn_id"] == t))?;
    path.split('.')
        .filter(|s| !s.is_empty())
        .try_fold(event, |v, k| v.get(k))
}

struct Outcome {
    events: Vec<Value>,
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs a scenario object in a fresh workspace.
fn run_scenario(name: &str, scenario: &Value, ws: &TempWorkspace) -> Outcome {
    let config = scenario.get("config").cloned().unwrap_or(json!({}));
    ws.file(
        "config/runtime.yaml",
        serde_json::to_string(&config).unwrap(),
    );
    if let Some(files) = scenario.get("files").and_then(Value::as_object) {
        for (path, content) in files {
            ws.file(path, content.as_str().unwrap());
        }
    }
    let script = ws.root.join(format!("{name}.script.json"));
    std::fs::write(&script, scenario.to_string()).unwrap();
    let approve = match &scenario["approvals"] {
        Value::Null => "ask",
        Value::Array(list) if list.iter().all(|d| d == "approved") => "all",
        Value::Array(list) if list.iter().all(|d| d == "denied") => "none",
        other => panic!("no --approve mode plays {other}"),
    };
    let root = ws.root.to_string_lossy().into_owned();
    let backend = format!("scripted:{}", script.display());
    let out = run(
        BIN,
        &[
            "run",
            scenario["task"].as_str().unwrap(),
            "--workspace-root",
            &root,
            "--backend",
            &backend,
            "--approve",
            approve,
            "--json",
        ],
        &ws.root,
        None,
    );
    Outcome {
        events: events_of(&out.stdout),
        code: out.code,
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

/// Asserts a scenario's `expect`, with `ours.json` replacing the checks we deliberately differ
/// on.
fn check_scenario(
    name: &str,
    scenario: &Value,
    expect_overrides: &Map<String, Value>,
    ws: &TempWorkspace,
    o: &Outcome,
) {
    let expect = &scenario["expect"];
    let ws_root = ws.root.to_string_lossy().into_owned();
    let labels: Vec<String> = o.events.iter().map(label).collect();
    let want: Vec<&str> = expect["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(labels, want, "{name}: event sequence\nstderr: {}", o.stderr);

    let terminal = o.events.last().unwrap();
    let status = match terminal["type"].as_str().unwrap() {
        "run_completed" => "completed",
        "run_failed" => "failed",
        "run_cancelled" => "cancelled",
        _ => "waiting_human",
    };
    assert_eq!(expect["status"], status, "{name}: status");
    let output = terminal["payload"]
        .get("final_output")
        .or_else(|| terminal["payload"].get("message"))
        .unwrap();
    assert_eq!(&expect["final_output"], output, "{name}: final output");
    assert_eq!(
        o.code == 0,
        status == "completed",
        "{name}: exit code {}",
        o.code
    );

    let mut checks = expect["checks"].as_object().unwrap().clone();
    let mut replace = |ours: Option<&Value>| {
        if let Some(Value::Object(ours)) = ours {
            for (k, v) in ours {
                checks.insert(k.clone(), v.clone());
            }
        }
    };
    replace(expect_overrides.get("checks"));
    if bwrap_installed() {
        replace(
            expect_overrides
                .get("when_bwrap_installed")
                .and_then(|w| w.get("checks")),
        );
    }
    for (key, want) in &checks {
        if key.starts_with("request@") {
            // The model's messages are not events: checked by runtime/tests/agent_scenarios.rs.
            continue;
        }
        if key == "fake_calls_consumed" {
            let n = o
                .events
                .iter()
                .filter(|e| e["type"] == "llm_request_started")
                .count();
            assert_eq!(want, &json!(n), "{name}: {key}");
            continue;
        }
        let got = lookup(key, &o.events).unwrap_or_else(|| panic!("{name}: nothing at {key}"));
        assert!(
            matches(want, got, &ws_root),
            "{name}: {key}\n  expected ⊆ {want}\n  actual     {got}"
        );
    }

    // `--json` printed exactly the WAL's lines.
    let wal_path = terminal["payload"]["wal_locator"].as_str().unwrap();
    assert_eq!(
        std::fs::read_to_string(wal_path).unwrap(),
        o.stdout,
        "{name}: WAL"
    );
}

fn spec_scenario(name: &str) {
    let scenario = load(&scenario_path(name));
    let ours = load(&scenario_path("ours"));
    let overrides = ours
        .get(name)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let ws = TempWorkspace::new(&format!("run-{name}"));
    let o = run_scenario(name, &scenario, &ws);
    check_scenario(name, &scenario, &overrides, &ws, &o);
}

#[test]
fn scenario_plain_answer() {
    spec_scenario("plain_answer");
}

#[test]
fn scenario_shell_exec_approved() {
    spec_scenario("shell_exec_approved");
}

#[test]
fn scenario_denied_twice_loop_guard() {
    spec_scenario("denied_twice_loop_guard");
}

#[test]
fn scenario_sandbox_restricted_no_adapter() {
    spec_scenario("sandbox_restricted_no_adapter");
}

#[test]
fn scenario_skill_mention_injection() {
    spec_scenario("skill_mention_injection");
}

fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

fn bwrap_installed() -> bool {
    cfg!(target_os = "linux")
        && std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("bwrap").is_file()))
}

/// Spec §10.4's `variant_linux_with_bwrap`, where bubblewrap is installed.
#[test]
fn scenario_sandbox_restricted_with_bubblewrap() {
    if !bwrap_installed() {
        assert!(!in_ci(), "bwrap is required in CI (install bubblewrap)");
        eprintln!("SKIPPED: bwrap is not installed: the bubblewrap variant of §10.4 did not run");
        return;
    }
    let mut scenario = load(&scenario_path("sandbox_restricted_no_adapter"));
    let variant = scenario["expect"]["variant_linux_with_bwrap"].clone();
    scenario["config"]["sandbox"]["os"]["mode"] = variant["config.sandbox.os.mode"].clone();
    let ws = TempWorkspace::new("run-bwrap");
    let o = run_scenario("bwrap", &scenario, &ws);
    let finished = lookup("tool_call_finished.payload.result", &o.events).unwrap();
    let want = &variant["tool_call_finished.payload.result"];
    if finished["error_kind"] == "sandbox_denied" {
        // bwrap exists but cannot create namespaces here (e.g. inside a container).
        assert!(
            !in_ci(),
            "bwrap is installed but unusable in CI: {}",
            finished["stderr"]
        );
        eprintln!("SKIPPED: bwrap unusable here: {}", finished["stderr"]);
        return;
    }
    assert!(
        matches(want, finished, ""),
        "expected ⊆ {want}\nactual {finished}"
    );
    assert_eq!(o.code, 0);
}

#[test]
fn usage_errors_exit_2() {
    let ws = TempWorkspace::new("run-usage");
    let out = run(BIN, &["run"], &ws.root, None);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("run needs a TASK"), "{}", out.stderr);
    let out = run(BIN, &["run", "x", "--backend", "gemini"], &ws.root, None);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unknown backend `gemini`"),
        "{}",
        out.stderr
    );
    let out = run(
        BIN,
        &["run", "x", "--backend", "scripted:missing.json"],
        &ws.root,
        None,
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("cannot read the script"),
        "{}",
        out.stderr
    );
}

#[test]
fn human_output_streams_text_and_shows_calls_compactly() {
    let scenario = load(&scenario_path("shell_exec_approved"));
    let ws = TempWorkspace::new("run-human");
    ws.file("config/runtime.yaml", "{\"safety\": {\"mode\": \"ask\"}}");
    let script = ws.root.join("s.json");
    std::fs::write(&script, scenario.to_string()).unwrap();
    let backend = format!("scripted:{}", script.display());
    let out = run(
        BIN,
        &["run", "do it", "--backend", &backend, "--approve", "all"],
        &ws.root,
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "done\n");
    assert!(
        out.stderr.contains("--approve all: EVERY TOOL CALL"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("▸ shell_exec echo hi"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("✓ approved (provider)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("✓ exit 0 · "), "{}", out.stderr);
    assert!(out.stderr.contains("✓ run completed"), "{}", out.stderr);
}

/// A process started with piped output; killed on drop.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str], cwd: &Path) -> Child {
    Child(
        Command::new(BIN)
            .args(args)
            .current_dir(cwd)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start skills-lsp"),
    )
}

/// Waits until the only run's WAL contains an event of `kind`; returns the WAL path.
fn wait_for_event(root: &Path, kind: &str) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let runs = root.join(".skills_runtime_sdk/runs");
        if let Some(dir) = std::fs::read_dir(&runs)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(Result::ok)
        {
            let path = dir.path().join("events.jsonl");
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if text.contains(&format!("\"type\": \"{kind}\"")) {
                return path;
            }
        }
        assert!(Instant::now() < deadline, "no {kind} event appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_run_killed_mid_way_leaves_a_wal_that_reads_back() {
    let ws = TempWorkspace::new("run-killed");
    ws.file("config/runtime.yaml", "{}");
    ws.file(
        "s.json",
        r#"{"llm_calls": [[{"type": "text_delta", "text": "partial"}, {"type": "wait", "ms": 60000}]]}"#,
    );
    let root = ws.root.to_string_lossy().into_owned();
    let mut child = spawn(
        &[
            "run",
            "slow",
            "--workspace-root",
            &root,
            "--backend",
            "scripted:s.json",
            "--json",
        ],
        &ws.root,
    );
    let path = wait_for_event(&ws.root, "llm_response_delta");
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    // Simulate the worst case too: a writer killed in the middle of a line.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{\"type\": \"llm_response_del");
    std::fs::write(&path, &bytes).unwrap();
    let c = wal::read_events(&path, None).unwrap();
    let kinds: Vec<&str> = c.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["run_started", "llm_request_started", "llm_response_delta"]
    );
    assert!(c.torn_tail);
    assert_eq!(c.skipped_lines, 0);
}

#[test]
fn ctrl_c_cancels_the_run_and_kills_the_running_command() {
    let ws = TempWorkspace::new("run-sigint");
    ws.file("config/runtime.yaml", "{\"safety\": {\"mode\": \"allow\"}}");
    let script = json!({"llm_calls": [[{"type": "tool_calls", "tool_calls": [{"call_id": "c1",
        "name": "shell_exec", "arguments": json!({"argv": ["sh", "-c",
            "sleep 60 & echo $! > child.pid; wait"]}).to_string()}]}],
        [{"type": "text_delta", "text": "unreachable"}]]});
    ws.file("s.json", script.to_string());
    let root = ws.root.to_string_lossy().into_owned();
    let mut child = spawn(
        &[
            "run",
            "sleep",
            "--workspace-root",
            &root,
            "--backend",
            "scripted:s.json",
        ],
        &ws.root,
    );
    let path = wait_for_event(&ws.root, "tool_call_started");
    let pidfile = ws.root.join("child.pid");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::read_to_string(&pidfile).map_or(true, |s| s.trim().is_empty()) {
        assert!(Instant::now() < deadline, "the command did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.0.id() as i32, libc::SIGINT) };
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let mut stderr = String::new();
    child
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("cancelling the run"), "{stderr}");
    let c = wal::read_events(&path, None).unwrap();
    assert_eq!(c.events.last().unwrap().kind, "run_cancelled");
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(2);
    // SAFETY: signal 0 only checks for existence.
    while unsafe { libc::kill(pid, 0) } == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        unsafe { libc::kill(pid, 0) } != 0,
        "the command's child survived"
    );
}
