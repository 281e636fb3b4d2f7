//! Engine overhead benchmark (run by `bench/agent_run.sh`):
//! 1. a 100-turn scripted run, one cheap tool call (`file_read` of a small file) per turn plus a
//!    final answer; the engine's overhead is the run's wall time minus the time spent inside the
//!    tools (measured around each tool execution);
//! 2. WAL appends of a typical event (`tool_call_finished` with a small result), per event.
//!
//! `cargo run --release -p skills-runtime --example agent_bench [-- RUNS]`

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use skills_runtime::agent::events::Event;
use skills_runtime::agent::llm::ToolSpec;
use skills_runtime::agent::llm::scripted::ScriptedBackend;
use skills_runtime::agent::run::{
    BuiltinTools, RunRequest, RunSetup, RunStatus, ToolFuture, ToolSet, start,
};
use skills_runtime::agent::tools::{GateCategory, ToolContext, ToolInvocation};
use skills_runtime::agent::wal::WalWriter;
use skills_runtime::config::LoadOptions;

const TURNS: usize = 100;
const TARGET_RUN_MS: f64 = 200.0;
const TARGET_APPEND_US: f64 = 20.0;

/// The built-in tools, timed.
struct Timed {
    in_tools: Arc<Mutex<Duration>>,
}

impl ToolSet for Timed {
    fn specs(&self) -> Vec<ToolSpec> {
        BuiltinTools.specs()
    }
    fn category(&self, name: &str) -> Option<GateCategory> {
        BuiltinTools.category(name)
    }
    fn execute<'a>(&'a self, call: ToolInvocation<'a>, ctx: &'a ToolContext) -> ToolFuture<'a> {
        Box::pin(async move {
            let t = Instant::now();
            let r = BuiltinTools.execute(call, ctx).await;
            *self.in_tools.lock().unwrap() += t.elapsed();
            r
        })
    }
}

fn script() -> Value {
    let mut calls: Vec<Value> = (0..TURNS)
        .map(|i| {
            json!([{"type": "tool_calls", "finish_reason": "tool_calls", "tool_calls": [
                {"call_id": format!("call_{i}"), "name": "file_read",
                 "arguments": "{\"path\": \"notes.txt\"}"}]},
                {"type": "completed", "finish_reason": "tool_calls",
                 "usage": {"input_tokens": 100, "output_tokens": 10}}])
        })
        .collect();
    calls.push(json!([{"type": "text_delta", "text": "done"}]));
    json!({ "llm_calls": calls })
}

async fn one_run(root: &std::path::Path) -> (Duration, Duration, usize) {
    let mut opts = LoadOptions::new(root);
    opts.use_dotenv = false;
    opts.env = Default::default();
    let mut setup = RunSetup::load(&opts).expect("config loads");
    setup.backend = Some(Arc::new(ScriptedBackend::from_json(&script()).unwrap()));
    let in_tools = Arc::new(Mutex::new(Duration::ZERO));
    setup.tools = Arc::new(Timed {
        in_tools: in_tools.clone(),
    });
    let t = Instant::now();
    let mut handle = start(setup, RunRequest::new("read notes.txt 100 times")).unwrap();
    let mut events = 0;
    while handle.next_event().await.is_some() {
        events += 1;
    }
    let result = handle.wait().await;
    let total = t.elapsed();
    assert_eq!(
        result.status,
        RunStatus::Completed,
        "{}",
        result.final_output
    );
    let tools = *in_tools.lock().unwrap();
    (total, tools, events)
}

fn wal_appends(root: &std::path::Path, n: usize) -> Duration {
    let path = root.join("bench-wal/events.jsonl");
    let mut w = WalWriter::open(&path).unwrap();
    let payload: Map<String, Value> = json!({
        "call_id": "call_1", "tool": "file_read",
        "result": {"ok": true, "stdout": "a small file\nwith two lines\n", "stderr": "",
                   "exit_code": 0, "duration_ms": 0, "truncated": false,
                   "data": {"path": "/ws/notes.txt"}, "retryable": false}})
    .as_object()
    .unwrap()
    .clone();
    let event = Event::new("tool_call_finished", "run_bench", payload)
        .with_turn(Some("turn_1"))
        .with_step(Some("step_1"));
    let t = Instant::now();
    for _ in 0..n {
        w.append(&event).unwrap();
    }
    t.elapsed()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(7);
    let root = std::env::temp_dir().join(format!("skills-agent-bench-{}", std::process::id()));
    std::fs::create_dir_all(root.join("config")).unwrap();
    std::fs::write(
        root.join("config/runtime.yaml"),
        "run: {max_steps: 1000}\nsafety: {mode: allow}\n",
    )
    .unwrap();
    std::fs::write(root.join("notes.txt"), "a small file\nwith two lines\n").unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    let mut overheads = Vec::new();
    let mut totals = Vec::new();
    let mut events = 0;
    for i in 0..=runs {
        let (total, tools, n) = rt.block_on(one_run(&root));
        if i == 0 {
            continue; // warm-up
        }
        events = n;
        totals.push(total.as_secs_f64() * 1e3);
        overheads.push((total - tools).as_secs_f64() * 1e3);
    }
    let overhead = median(overheads);
    println!(
        "100-turn run ({events} events, {TURNS} tool calls): total {:.1} ms, engine overhead {:.1} ms (median of {runs}; target ≤ {TARGET_RUN_MS} ms)",
        median(totals),
        overhead
    );

    let n = 20_000;
    let per: Vec<f64> = (0..5)
        .map(|_| wal_appends(&root, n).as_secs_f64() * 1e6 / n as f64)
        .collect();
    let append = median(per);
    println!(
        "WAL append: {append:.2} µs/event (median of 5 × {n}; target ≤ {TARGET_APPEND_US} µs)"
    );
    std::fs::remove_dir_all(&root).unwrap();
    if overhead > TARGET_RUN_MS || append > TARGET_APPEND_US {
        println!("TARGET MISSED");
        std::process::exit(1);
    }
}
