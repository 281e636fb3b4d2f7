//! The tool phase of a turn (spec §1.5, `P/core/tool_orchestration.py`):
//! - phase 1, serially in call order: checkpoints, step id, argument validation,
//!   `tool_call_requested`, the gate, approvals (session cache, provider, timeout, loop guard,
//!   no-provider fail-fast), the `max_steps` budget;
//! - phase 2: the approved calls run in order (`tool_call_started` → tool → side events →
//!   `tool_call_finished`);
//! - phase 3: their results join the history; a `human_required` result ends the run waiting
//!   for a human.

use std::time::Duration;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::arguments::arguments_error;
use super::engine::{Run, Terminal};
use super::failure::RunFailure;
use crate::agent::approvals::{ApprovalDecision, ApprovalRequest};
use crate::agent::events::kinds;
use crate::agent::json::{PyDumps, py_dumps, to_python_json};
use crate::agent::llm::ToolCall;
use crate::agent::safety::{self, GateDecision, Redactor};
use crate::agent::tools::{ToolInvocation, ToolResult};

/// How long a tool may take to notice a cancellation before the engine stops waiting for it.
const CANCEL_GRACE: Duration = Duration::from_secs(5);

/// A result decided without running the tool (invalid arguments, denial).
struct Settled {
    result: Value,
}

impl Run {
    pub(super) async fn tool_phase(
        &mut self,
        turn_id: &str,
        calls: Vec<ToolCall>,
    ) -> Result<(), Terminal> {
        // The assistant message that asked for the calls (its text is dropped, as upstream).
        let wire: Vec<Value> = calls
            .iter()
            .map(|c| {
                let args = c.raw_arguments.clone().unwrap_or_else(|| {
                    py_dumps(
                        &Value::Object(c.args.clone()),
                        PyDumps {
                            sort_keys: false,
                            compact: true,
                        },
                    )
                });
                json!({"id": c.call_id, "type": "function",
                       "function": {"name": c.name, "arguments": args}})
            })
            .collect();
        self.history
            .push(json!({"role": "assistant", "content": null, "tool_calls": wire}));

        // Phase 1.
        let mut approved: Vec<(usize, String)> = Vec::new();
        let mut settled: Vec<Option<Settled>> = Vec::with_capacity(calls.len());
        for (i, call) in calls.iter().enumerate() {
            settled.push(None);
            if let Some(t) = self.checkpoint() {
                return Err(t);
            }
            let step_id = self.next_step_id();
            match self.admit(turn_id, &step_id, call).await? {
                Some(s) => {
                    self.history
                        .push(json!({"role": "tool", "tool_call_id": call.call_id,
                        "content": to_python_json(&s.result)}));
                    settled[i] = Some(s);
                }
                None => approved.push((i, step_id)),
            }
        }

        // Phase 2.
        let mut executed: Vec<(usize, String, Value)> = Vec::with_capacity(approved.len());
        for (i, step_id) in approved {
            let call = &calls[i];
            let mut p = Map::new();
            p.insert("call_id".into(), call.call_id.clone().into());
            p.insert("tool".into(), call.name.clone().into());
            self.emit_at(kinds::TOOL_CALL_STARTED, turn_id, Some(&step_id), p);
            let result = self.execute_tool(call).await;
            let result = self.redactor().redact_value(&result.to_value());
            self.side_events.flush();
            self.emit_at(
                kinds::TOOL_CALL_FINISHED,
                turn_id,
                Some(&step_id),
                finished_payload(call, result.clone()),
            );
            executed.push((i, step_id, result));
        }

        // Phase 3.
        for (i, _, result) in &executed {
            self.history
                .push(json!({"role": "tool", "tool_call_id": calls[*i].call_id,
                "content": to_python_json(result)}));
        }
        for (i, call) in calls.iter().enumerate() {
            let (result, step_id) = match &settled[i] {
                Some(s) => (&s.result, None),
                None => match executed.iter().find(|(j, _, _)| *j == i) {
                    Some((_, step, r)) => (r, Some(step.clone())),
                    None => continue,
                },
            };
            if result.get("error_kind").and_then(Value::as_str) != Some("human_required") {
                continue;
            }
            let stderr = result
                .get("stderr")
                .and_then(Value::as_str)
                .map(crate::text::python_strip)
                .unwrap_or("");
            let message = if stderr.is_empty() {
                format!(
                    "tool '{}' requires human input before the run can continue",
                    call.name
                )
            } else {
                stderr.to_string()
            };
            return Err(Terminal::WaitingHuman {
                tool: call.name.clone(),
                call_id: call.call_id.clone(),
                message,
                details: Some(result.clone()),
                step_id,
            });
        }
        Ok(())
    }

    /// Phase 1 for one call: `Ok(None)` when it may run, `Ok(Some(result))` when it was settled
    /// without running (events emitted), `Err` when the run stops.
    async fn admit(
        &mut self,
        turn_id: &str,
        step_id: &str,
        call: &ToolCall,
    ) -> Result<Option<Settled>, Terminal> {
        let redactor = self.redactor();
        let raw = call.raw_arguments.as_deref().unwrap_or("");
        let raw = crate::text::python_strip(raw);
        let invalid = arguments_error(raw);
        let mut p = Map::new();
        p.insert("call_id".into(), call.call_id.clone().into());
        p.insert("tool".into(), call.name.clone().into());
        p.insert("name".into(), call.name.clone().into());
        let action = self.skill_action(call).await;
        p.insert(
            "arguments".into(),
            self.logged_arguments(call, action.as_ref(), &redactor),
        );
        let raw_facts = invalid.as_ref().map(|error| {
            let len = raw.chars().count();
            let sha = hex(&Sha256::digest(raw.as_bytes()));
            (len, sha, error.clone())
        });
        if let Some((len, sha, error)) = &raw_facts {
            p.insert("arguments_valid".into(), false.into());
            p.insert("raw_arguments_len".into(), (*len).into());
            p.insert("raw_arguments_sha256".into(), sha.clone().into());
            p.insert("raw_arguments_error".into(), error.clone().into());
        }
        self.emit_at(kinds::TOOL_CALL_REQUESTED, turn_id, Some(step_id), p);

        if let Some((len, sha, error)) = raw_facts {
            let result = ToolResult::error_with_data(
                "validation",
                format!("invalid tool arguments JSON: {error}"),
                json!({"raw_arguments_len": len, "raw_arguments_sha256": sha}),
            )
            .to_value();
            return Ok(Some(self.settle(turn_id, step_id, call, result)));
        }

        let category = self.setup.tools.category(&call.name);
        let decision = safety::decide(
            &call.name,
            category,
            &call.args,
            action.as_ref(),
            &self.setup.config.safety,
        );
        match decision {
            GateDecision::Allow => {}
            GateDecision::Deny { reason, rule } => {
                let result = ToolResult::error_with_data(
                    "permission",
                    reason,
                    json!({"tool": call.name, "reason": rule}),
                )
                .to_value();
                return Ok(Some(self.settle(turn_id, step_id, call, result)));
            }
            GateDecision::Ask { .. } => {
                let request = safety::approval_request(
                    &call.name,
                    category,
                    &call.args,
                    action.as_ref(),
                    &redactor,
                );
                if let Some(settled) = self
                    .approve(turn_id, step_id, call, request, &redactor)
                    .await?
                {
                    return Ok(Some(settled));
                }
            }
        }

        if self.cancel.is_cancelled() {
            return Err(Terminal::Cancelled);
        }
        let max = self.setup.config.max_steps;
        if self.steps_executed >= max {
            return Err(Terminal::Failed(RunFailure::budget(format!(
                "budget exceeded: max_steps={max}"
            ))));
        }
        self.steps_executed += 1;
        Ok(None)
    }

    /// The approval flow (spec §4.5, §4.8). `Ok(None)`: approved.
    async fn approve(
        &mut self,
        turn_id: &str,
        step_id: &str,
        call: &ToolCall,
        request: safety::ApprovalRequest,
        redactor: &Redactor,
    ) -> Result<Option<Settled>, Terminal> {
        // The key is the reference's (over the request as it hashes it); the request and summary
        // shown and logged have the run's secrets scrubbed.
        let key = request.approval_key.clone();
        let shown_request = request.request;
        let shown_summary = request.summary;
        let (decision, reason) = if self.setup.session.approvals.is_approved(&key) {
            (ApprovalDecision::ApprovedForSession, "cached")
        } else {
            let provider = self.setup.approvals.clone();
            let ask = ApprovalRequest {
                run_id: self.emitter.run_id().to_string(),
                call_id: call.call_id.clone(),
                approval_key: key.clone(),
                tool: call.name.clone(),
                summary: shown_summary.clone(),
                details: shown_request.clone(),
                arguments: redactor.redact_value(&Value::Object(call.args.clone())),
            };
            let timeout_ms = self.setup.config.safety.approval_timeout_ms;
            // The request is handed over before `approval_requested` is emitted, so whoever
            // answers on that event (an editor, through `ApprovalInbox`) finds it pending.
            let pending = provider
                .as_ref()
                .map(|p| p.request_approval(&ask, timeout_ms));
            let mut p = Map::new();
            p.insert("approval_key".into(), key.clone().into());
            p.insert("tool".into(), call.name.clone().into());
            p.insert("summary".into(), shown_summary.into());
            p.insert("request".into(), shown_request);
            self.emit_at(kinds::APPROVAL_REQUESTED, turn_id, Some(step_id), p);
            match pending {
                None => (ApprovalDecision::Denied, "no_provider"),
                Some(pending) => {
                    let answer = tokio::select! {
                        biased;
                        _ = self.cancel.cancelled() => return Err(Terminal::Cancelled),
                        r = tokio::time::timeout(Duration::from_millis(timeout_ms), pending) => r,
                    };
                    match answer {
                        Err(_) => (ApprovalDecision::Denied, "timeout"),
                        Ok(Ok(d)) => (d, "provider"),
                        Ok(Err(e)) => {
                            return Err(Terminal::Failed(RunFailure::new(
                                e.error_kind(),
                                e.message(),
                            )));
                        }
                    }
                }
            }
        };
        let mut p = Map::new();
        p.insert("approval_key".into(), key.clone().into());
        p.insert("decision".into(), decision.as_str().into());
        p.insert("reason".into(), reason.into());
        self.emit_at(kinds::APPROVAL_DECIDED, turn_id, Some(step_id), p);
        match decision {
            ApprovalDecision::Approved => Ok(None),
            ApprovalDecision::ApprovedForSession => {
                self.setup.session.approvals.approve(&key);
                Ok(None)
            }
            ApprovalDecision::Abort => Err(Terminal::Cancelled),
            ApprovalDecision::Denied => {
                let guard_trips = self.denials.record(&key);
                let result = ToolResult::error_with_data(
                    "permission",
                    "approval denied",
                    json!({"tool": call.name}),
                )
                .to_value();
                let settled = self.settle(turn_id, step_id, call, result);
                let details = json!({"tool": call.name, "approval_key": key, "reason": reason});
                if reason == "no_provider" {
                    self.history.push(tool_message(call, &settled.result));
                    return Err(Terminal::Failed(RunFailure::approval(
                        "config_error",
                        format!(
                            "ApprovalProvider is required for tool '{}' but none is configured.",
                            call.name
                        ),
                        details,
                    )));
                }
                if guard_trips {
                    self.history.push(tool_message(call, &settled.result));
                    return Err(Terminal::Failed(RunFailure::approval(
                        "approval_denied",
                        "Approval was denied repeatedly for the same action; aborting to prevent an infinite loop.",
                        details,
                    )));
                }
                Ok(Some(settled))
            }
        }
    }

    /// Emits `tool_call_finished` for a call settled in phase 1.
    fn settle(&self, turn_id: &str, step_id: &str, call: &ToolCall, result: Value) -> Settled {
        self.emit_at(
            kinds::TOOL_CALL_FINISHED,
            turn_id,
            Some(step_id),
            finished_payload(call, result.clone()),
        );
        Settled { result }
    }

    /// Runs one approved call. A cancellation is passed to the tool (shell commands kill their
    /// process group); a tool that does not finish within [`CANCEL_GRACE`] after it is
    /// abandoned with a `cancelled` result.
    async fn execute_tool(&self, call: &ToolCall) -> ToolResult {
        let inv = ToolInvocation {
            call_id: &call.call_id,
            name: &call.name,
            args: &call.args,
        };
        let fut = self.setup.tools.execute(inv, &self.tool_ctx);
        tokio::pin!(fut);
        tokio::select! {
            r = &mut fut => return r,
            _ = self.cancel.cancelled() => {}
        }
        match tokio::time::timeout(CANCEL_GRACE, &mut fut).await {
            Ok(r) => r,
            Err(_) => ToolResult::error("cancelled", "cancelled by user"),
        }
    }
}

fn finished_payload(call: &ToolCall, result: Value) -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("call_id".into(), call.call_id.clone().into());
    p.insert("tool".into(), call.name.clone().into());
    p.insert("result".into(), result);
    p
}

fn tool_message(call: &ToolCall, result: &Value) -> Value {
    json!({"role": "tool", "tool_call_id": call.call_id, "content": to_python_json(result)})
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
