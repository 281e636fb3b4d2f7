//! The turn loop (spec §1.3, `P/core/agent_loop.py`, `P/core/turn_orchestrator.py`,
//! `P/core/streaming_bridge.py`): checkpoints, skill injection, prompt, streaming with
//! cancellation and the wall-time budget, then the tool phase or the final answer. Every path
//! ends in exactly one terminal event, emitted by [`Run::execute`].

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Map, Value, json};

use super::emitter::{Emitter, SideEvents, lock};
use super::failure::RunFailure;
use super::resume::resume_summary;
use super::{RunRequest, RunResult, RunSetup, RunStatus};
use crate::agent::approvals::DenialCounter;
use crate::agent::cancel::CancelToken;
use crate::agent::events::{Event, kinds};
use crate::agent::json::python_float_repr;
use crate::agent::llm::{ChatRequest, ChatStreamEvent, LlmError, RetryScheduled, ToolCall};
use crate::agent::prompt::PromptBuilder;
use crate::agent::safety::{Redactor, SkillActionIntent, logged_arguments};
use crate::agent::sandbox::SandboxAdapter;
use crate::agent::skills::{self, Mentioned};
use crate::agent::tools::ToolContext;

/// How a run invocation ends.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Terminal {
    Completed(String),
    Failed(RunFailure),
    Cancelled,
    WaitingHuman {
        tool: String,
        call_id: String,
        message: String,
        details: Option<Value>,
        step_id: Option<String>,
    },
}

/// What a turn leads to.
enum TurnEnd {
    /// Tool results were added; run another turn.
    Next,
    Stop(Terminal),
}

/// The result of streaming one model response.
struct Streamed {
    text: String,
    calls: Vec<ToolCall>,
}

pub(crate) struct Run {
    pub(super) setup: RunSetup,
    pub(super) task: String,
    prompt: PromptBuilder,
    pub(super) emitter: Arc<Emitter>,
    pub(super) cancel: CancelToken,
    pub(super) wal_locator: String,
    started: Instant,
    turn: u32,
    step: u32,
    pub(super) steps_executed: u64,
    pub(super) denials: DenialCounter,
    pub(super) history: Vec<Value>,
    pub(super) env_store: Arc<Mutex<HashMap<String, String>>>,
    initial_env_keys: HashSet<String>,
    pub(super) tool_ctx: ToolContext,
    pub(super) side_events: Arc<SideEvents>,
    previous: Vec<Event>,
    initial_history: Option<Vec<Value>>,
    /// Unresolved mentions already reported (once per run, not per turn).
    reported_mentions: HashSet<String>,
}

impl Run {
    pub fn new(
        setup: RunSetup,
        request: RunRequest,
        prompt: PromptBuilder,
        emitter: Arc<Emitter>,
        cancel: CancelToken,
        wal_locator: String,
        previous: Vec<Event>,
    ) -> Run {
        let env: HashMap<String, String> = setup.session.env_vars();
        let initial_env_keys = env.keys().cloned().collect();
        let env_store = Arc::new(Mutex::new(env));
        let side_events = Arc::new(SideEvents::new(emitter.clone()));
        let tool_ctx = ToolContext {
            workspace_root: setup.workspace.workspace_root.clone(),
            config: setup.config.clone(),
            env_store: env_store.clone(),
            cancel: cancel.clone(),
            human: setup.human.clone(),
            events: side_events.clone(),
            skills: setup.index.clone(),
            sandbox: SandboxAdapter::from_config(&setup.config.sandbox).map(Arc::new),
        };
        Run {
            task: request.task,
            initial_history: request.initial_history,
            setup,
            prompt,
            emitter,
            cancel,
            wal_locator,
            started: Instant::now(),
            turn: 0,
            step: 0,
            steps_executed: 0,
            denials: DenialCounter::default(),
            history: Vec::new(),
            env_store,
            initial_env_keys,
            tool_ctx,
            side_events,
            previous,
            reported_mentions: HashSet::new(),
        }
    }

    pub(super) fn emit(&self, kind: &str, payload: Map<String, Value>) {
        self.emitter.emit(self.emitter.event(kind, payload));
    }

    pub(super) fn emit_at(
        &self,
        kind: &str,
        turn_id: &str,
        step_id: Option<&str>,
        payload: Map<String, Value>,
    ) {
        let e = self
            .emitter
            .event(kind, payload)
            .with_turn(Some(turn_id))
            .with_step(step_id);
        self.emitter.emit(e);
    }

    pub(super) fn redactor(&self) -> Redactor {
        Redactor::new(lock(&self.env_store).values())
    }

    pub(super) fn next_step_id(&mut self) -> String {
        self.step += 1;
        format!("step_{}", self.step)
    }

    pub(super) fn wall_time_exceeded(&self) -> bool {
        self.setup
            .config
            .max_wall_time_sec
            .is_some_and(|max| self.started.elapsed().as_secs_f64() > max)
    }

    pub(super) fn wall_time_failure(&self) -> Terminal {
        let max = self.setup.config.max_wall_time_sec.unwrap_or_default();
        Terminal::Failed(RunFailure::budget(format!(
            "budget exceeded: max_wall_time_sec={}",
            python_float_repr(max)
        )))
    }

    /// The checks made before each turn and each call: a broken WAL, cancellation, wall time.
    pub(super) fn checkpoint(&self) -> Option<Terminal> {
        if let Some(e) = self.emitter.wal_error() {
            return Some(Terminal::Failed(RunFailure::new("unknown", e)));
        }
        if self.cancel.is_cancelled() {
            return Some(Terminal::Cancelled);
        }
        if self.wall_time_exceeded() {
            return Some(self.wall_time_failure());
        }
        None
    }

    /// Runs to the end and emits the terminal event.
    pub async fn execute(mut self) -> RunResult {
        self.bootstrap();
        let terminal = self.run_turns().await;
        let result = self.finish(terminal);
        // Only keys this run added flow back into the session.
        let store = lock(&self.env_store).clone();
        for (k, v) in store {
            if !self.initial_env_keys.contains(&k) {
                self.setup.session.set_env_var(&k, &v);
            }
        }
        result
    }

    /// `run_started`, and the history a resumed run or an explicit history starts with.
    fn bootstrap(&mut self) {
        let strategy = self.setup.engine.resume_strategy.clone();
        let summary = if self.initial_history.is_none() {
            resume_summary(&self.previous)
        } else {
            None
        };
        if let Some(s) = &summary {
            self.history
                .push(json!({"role": "assistant", "content": s}));
        }
        for item in self.initial_history.iter().flatten() {
            let role = item.get("role").and_then(Value::as_str);
            let content = item.get("content").and_then(Value::as_str);
            if let (Some(role @ ("user" | "assistant")), Some(content)) = (role, content) {
                self.history.push(json!({"role": role, "content": content}));
            }
        }
        let cfg = &self.setup.config;
        let payload = json!({
            "task": self.task,
            "config_summary": {
                "profile_id": self.setup.profile_id,
                "models": {"planner": cfg.llm.planner_model, "executor": cfg.llm.executor_model},
                "llm": {"base_url": cfg.llm.base_url, "api_key_env": cfg.llm.api_key_env},
                "config_overlays": self.setup.config_overlays,
            },
            "workspace_root": self.setup.workspace.workspace_root.to_string_lossy(),
            "resume": {
                "enabled": summary.is_some(),
                "strategy": strategy,
                "previous_events": self.previous.len(),
            },
        });
        self.emit(kinds::RUN_STARTED, into_map(payload));
    }

    async fn run_turns(&mut self) -> Terminal {
        if self.setup.backend.is_none() {
            return Terminal::Failed(RunFailure::config("未配置 LLM backend（backend=None）"));
        }
        loop {
            if let Some(t) = self.checkpoint() {
                return t;
            }
            self.turn += 1;
            let turn_id = format!("turn_{}", self.turn);
            match self.turn(&turn_id).await {
                TurnEnd::Next => continue,
                TurnEnd::Stop(t) => return t,
            }
        }
    }

    async fn turn(&mut self, turn_id: &str) -> TurnEnd {
        let injected = match self.inject_skills(turn_id).await {
            Ok(i) => i,
            Err(f) => return TurnEnd::Stop(Terminal::Failed(f)),
        };
        let specs = self.setup.tools.specs();
        let tools = self.prompt.filter_tools(&specs, &self.task);
        let listed = skills::listed_skills(&self.setup.workspace, &self.setup.index);
        let cwd = self
            .setup
            .workspace
            .workspace_root
            .to_string_lossy()
            .into_owned();
        let messages =
            self.prompt
                .build(&self.task, &cwd, &tools, &listed, &injected, &self.history);
        let model = self.setup.config.llm.executor_model.clone();
        let mut p = Map::new();
        p.insert("model".into(), model.clone().into());
        p.insert("wire_api".into(), "chat.completions".into());
        p.insert("messages_count".into(), messages.len().into());
        p.insert("tools_count".into(), tools.len().into());
        self.emit_at(kinds::LLM_REQUEST_STARTED, turn_id, None, p);

        let emitter = self.emitter.clone();
        let retry_turn = turn_id.to_string();
        let on_retry = Arc::new(move |r: RetryScheduled| {
            let mut p = Map::new();
            p.insert("provider".into(), "openai".into());
            p.insert("error_kind".into(), r.error_kind.into());
            if let Some(code) = r.status_code {
                p.insert("status_code".into(), code.into());
            }
            p.insert("attempt".into(), r.attempt.into());
            p.insert("max_retries".into(), r.max_retries.into());
            p.insert("retry_after_ms".into(), r.retry_after_ms.into());
            p.insert("delay_ms".into(), r.delay_ms.into());
            let e = emitter
                .event(kinds::LLM_RETRY_SCHEDULED, p)
                .with_turn(Some(&retry_turn));
            emitter.emit(e);
        });
        let request = ChatRequest {
            model,
            messages,
            tools,
            run_id: Some(self.emitter.run_id().to_string()),
            turn_id: Some(turn_id.to_string()),
            on_retry: Some(on_retry),
            ..ChatRequest::default()
        };
        let streamed = match self.stream(turn_id, request).await {
            Ok(s) => s,
            Err(t) => return TurnEnd::Stop(t),
        };
        if !streamed.calls.is_empty() {
            return match self.tool_phase(turn_id, streamed.calls).await {
                Ok(()) => TurnEnd::Next,
                Err(t) => TurnEnd::Stop(t),
            };
        }
        if !streamed.text.is_empty() {
            self.history
                .push(json!({"role": "assistant", "content": streamed.text}));
        }
        TurnEnd::Stop(Terminal::Completed(streamed.text))
    }

    /// Resolves the task's mentions, checks each skill's env vars, emits `skill_injected`, and
    /// renders the injected messages (a body that cannot be read or is too large fails the run,
    /// after its `skill_injected`, as upstream).
    async fn inject_skills(&mut self, turn_id: &str) -> Result<Vec<String>, RunFailure> {
        let mentioned = skills::resolve_task(&self.setup.workspace, &self.setup.index, &self.task);
        let mut chosen = Vec::new();
        for m in mentioned {
            match m {
                Mentioned::Unresolved(u) => {
                    if self.reported_mentions.insert(u.mention_text.clone()) {
                        self.emit_at(kinds::SKILL_MENTION_UNRESOLVED, turn_id, None, u.payload());
                    }
                }
                Mentioned::Skill(skill) => {
                    if !self.prompt.injects() {
                        continue;
                    }
                    let emitter = self.emitter.clone();
                    let turn = turn_id.to_string();
                    let mut emit = move |kind: &str, payload: Map<String, Value>| {
                        emitter.emit(emitter.event(kind, payload).with_turn(Some(&turn)));
                    };
                    let ok = skills::ensure_env_vars(
                        &skill,
                        self.setup.config.skills.env_var_missing_policy,
                        &self.env_store,
                        &self.setup.workspace.env,
                        self.setup.human.as_deref(),
                        &mut emit,
                    )
                    .await?;
                    if !ok {
                        continue;
                    }
                    self.emit_at(
                        kinds::SKILL_INJECTED,
                        turn_id,
                        None,
                        skill.injected_payload(),
                    );
                    chosen.push(skill);
                }
            }
        }
        let max = self.setup.config.skills.injection_max_bytes;
        let mut out = Vec::with_capacity(chosen.len());
        for skill in &chosen {
            let raw = if self.prompt.reads_bodies() {
                skills::read_body(skill, max)
            } else {
                Ok(String::new())
            };
            out.extend(
                self.prompt
                    .render_skill(&skills::prompt_skill(&skill.skill), raw)?,
            );
        }
        Ok(out)
    }

    /// Streams one response, emitting deltas and usage. Cancellation and the wall-time budget
    /// interrupt it at once (the backend's stream is dropped, partial text discarded).
    async fn stream(&mut self, turn_id: &str, request: ChatRequest) -> Result<Streamed, Terminal> {
        let backend = self
            .setup
            .backend
            .clone()
            .expect("checked before the first turn");
        let model = request.model.clone();
        let mut stream = backend.stream_chat(request);
        let deadline = self.setup.config.max_wall_time_sec.map(|max| {
            self.started + Duration::from_secs_f64(max.clamp(0.0, 1e9)) + Duration::from_micros(1)
        });
        let mut out = Streamed {
            text: String::new(),
            calls: Vec::new(),
        };
        loop {
            let item = tokio::select! {
                biased;
                _ = self.cancel.cancelled() => return Err(Terminal::Cancelled),
                _ = sleep_until(deadline) => return Err(self.wall_time_failure()),
                item = stream.next() => item,
            };
            let Some(item) = item else { break };
            match item {
                Ok(ChatStreamEvent::TextDelta(text)) => {
                    out.text.push_str(&text);
                    let mut p = Map::new();
                    p.insert("delta_type".into(), "text".into());
                    p.insert("text".into(), text.into());
                    self.emit_at(kinds::LLM_RESPONSE_DELTA, turn_id, None, p);
                }
                Ok(ChatStreamEvent::ToolCalls { calls, .. }) => {
                    let redactor = self.redactor();
                    let mut logged: Vec<Value> = Vec::with_capacity(calls.len());
                    for c in &calls {
                        let action = self.skill_action(c).await;
                        let args = self.logged_arguments(c, action.as_ref(), &redactor);
                        logged.push(json!({"call_id": c.call_id, "tool": c.name, "name": c.name,
                                           "arguments": args}));
                    }
                    out.calls.extend(calls);
                    let mut p = Map::new();
                    p.insert("delta_type".into(), "tool_calls".into());
                    p.insert("tool_calls".into(), Value::Array(logged));
                    self.emit_at(kinds::LLM_RESPONSE_DELTA, turn_id, None, p);
                }
                Ok(ChatStreamEvent::Completed {
                    usage,
                    request_id,
                    provider,
                    ..
                }) => {
                    if let Some(u) = usage {
                        let mut p = Map::new();
                        p.insert("model".into(), model.clone().into());
                        p.insert("input_tokens".into(), u.input_tokens.into());
                        p.insert("output_tokens".into(), u.output_tokens.into());
                        p.insert("total_tokens".into(), u.total_tokens.into());
                        if let Some(pr) = provider.filter(|s| !s.is_empty()) {
                            p.insert("provider".into(), pr.into());
                        }
                        if let Some(id) = request_id.filter(|s| !s.is_empty()) {
                            p.insert("request_id".into(), id.into());
                        }
                        self.emit_at(kinds::LLM_USAGE, turn_id, None, p);
                    }
                    break;
                }
                Err(LlmError::ContextLengthExceeded(msg)) => {
                    // Only `fail_fast` is implemented: compaction modes end the run the same way
                    // (recorded in docs/agent-runs.md).
                    let mut p = Map::new();
                    p.insert(
                        "mode".into(),
                        self.setup.engine.context_recovery_mode.clone().into(),
                    );
                    p.insert("compactions".into(), 0.into());
                    self.emit_at(kinds::CONTEXT_LENGTH_EXCEEDED, turn_id, None, p);
                    return Err(Terminal::Failed(RunFailure::new(
                        "context_length_exceeded",
                        msg,
                    )));
                }
                Err(e) => return Err(Terminal::Failed(RunFailure::from_llm(&e))),
            }
        }
        Ok(out)
    }

    /// The arguments as events log them: sanitized, with the run's secrets scrubbed (also from
    /// the shell argv/command text, which the reference logs as given).
    pub(super) fn logged_arguments(
        &self,
        call: &ToolCall,
        action: Option<&SkillActionIntent>,
        redactor: &Redactor,
    ) -> Value {
        let category = self.setup.tools.category(&call.name);
        Value::Object(logged_arguments(
            &call.name, category, &call.args, action, redactor,
        ))
    }

    /// What a `skill_exec` call would run ([`super::ToolSet::skill_action`]). Resolving it reads and
    /// parses the skill's SKILL.md, so it runs on the blocking pool, off the run's task.
    pub(super) async fn skill_action(&self, call: &ToolCall) -> Option<SkillActionIntent> {
        // The gate and the sanitizer read an action for `skill_exec` only: every other call
        // skips the copy of its arguments and the trip to the blocking pool.
        if call.name != "skill_exec" {
            return None;
        }
        let tools = self.setup.tools.clone();
        let (name, args, ctx) = (call.name.clone(), call.args.clone(), self.tool_ctx.clone());
        match tokio::task::spawn_blocking(move || tools.skill_action(&name, &args, &ctx)).await {
            Ok(action) => action,
            // A panic in the tool set is the engine's to report (`run_failed`, internal error).
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // Only when the runtime shuts down: nothing left to judge.
            Err(_) => None,
        }
    }

    /// Emits the terminal event and builds the result.
    fn finish(&mut self, terminal: Terminal) -> RunResult {
        let loc = self.wal_locator.clone();
        let (kind, status, output, payload, step) = match terminal {
            Terminal::Completed(text) => {
                let mut p = Map::new();
                p.insert("final_output".into(), text.clone().into());
                p.insert("artifacts".into(), json!([]));
                p.insert("wal_locator".into(), loc.clone().into());
                p.insert("metadata".into(), json!({"notices": []}));
                (kinds::RUN_COMPLETED, RunStatus::Completed, text, p, None)
            }
            Terminal::Failed(f) => {
                let p = f.payload(&loc);
                (kinds::RUN_FAILED, RunStatus::Failed, f.message, p, None)
            }
            Terminal::Cancelled => {
                let message = "cancelled by user".to_string();
                let mut p = Map::new();
                p.insert("message".into(), message.clone().into());
                p.insert("wal_locator".into(), loc.clone().into());
                (kinds::RUN_CANCELLED, RunStatus::Cancelled, message, p, None)
            }
            Terminal::WaitingHuman {
                tool,
                call_id,
                message,
                details,
                step_id,
            } => {
                let mut p = Map::new();
                p.insert("tool".into(), tool.into());
                p.insert("call_id".into(), call_id.into());
                p.insert("message".into(), message.clone().into());
                p.insert("error_kind".into(), "human_required".into());
                p.insert("wal_locator".into(), loc.clone().into());
                if let Some(d) = details.filter(|d| d.as_object().is_some_and(|m| !m.is_empty())) {
                    p.insert("details".into(), d);
                }
                (
                    kinds::RUN_WAITING_HUMAN,
                    RunStatus::WaitingHuman,
                    message,
                    p,
                    step_id,
                )
            }
        };
        let event = self.emitter.event(kind, payload).with_step(step.as_deref());
        self.emitter.emit(event);
        RunResult {
            status,
            final_output: output,
            artifacts: Vec::new(),
            wal_locator: loc,
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d.into()).await,
        None => std::future::pending().await,
    }
}

pub(super) fn into_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
