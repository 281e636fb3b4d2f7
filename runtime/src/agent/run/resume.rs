//! Resuming a run id that already has events (spec §6.6, `P/core/resume_builder.py`): the new
//! invocation appends to the same WAL and starts with one assistant message summarizing the
//! previous segment. (`run.resume_strategy: replay` is not implemented; it falls back to the
//! summary, as the reference does when its replay fails.)

use crate::agent::events::{Event, is_terminal_kind, kinds};
use crate::text::python_strip;

/// The `[Resume Summary]` message for the previous events of a run, `None` when there are none.
pub(crate) fn resume_summary(previous: &[Event]) -> Option<String> {
    if previous.is_empty() {
        return None;
    }
    let tail = &previous[previous.len().saturating_sub(200)..];
    let mut last_started = None;
    let mut last_terminal = None;
    let mut last_tools: Vec<&Event> = Vec::new();
    for ev in tail.iter().rev() {
        if last_terminal.is_none() && is_terminal_kind(&ev.kind) {
            last_terminal = Some(ev);
        }
        if last_started.is_none() && ev.kind == kinds::RUN_STARTED {
            last_started = Some(ev);
        }
        if ev.kind == kinds::TOOL_CALL_FINISHED && last_tools.len() < 5 {
            last_tools.push(ev);
        }
        if last_terminal.is_some() && last_started.is_some() && last_tools.len() >= 5 {
            break;
        }
    }
    let text = |ev: &Event, k: &str| py_str_or_empty(ev.payload.get(k));
    let prev_task = last_started.map(|e| text(e, "task")).unwrap_or_default();
    let terminal_type = last_terminal.map_or("unknown", |e| e.kind.as_str());
    let terminal_text = match last_terminal {
        Some(e) if e.kind == kinds::RUN_COMPLETED => text(e, "final_output"),
        Some(e) => text(e, "message"),
        None => String::new(),
    };
    let mut lines = vec!["[Resume Summary]".to_string()];
    if !prev_task.is_empty() {
        lines.push(format!("previous_task: {prev_task}"));
    }
    lines.push(format!("previous_events: {}", previous.len()));
    lines.push(format!("previous_terminal: {terminal_type}"));
    if !terminal_text.is_empty() {
        lines.push(format!("previous_terminal_text: {terminal_text}"));
        if !last_tools.is_empty() {
            lines.push("recent_tools:".into());
            for e in last_tools.iter().rev() {
                let mut tool = py_str_or_empty(e.payload.get("tool"));
                if tool.is_empty() {
                    tool = py_str_or_empty(e.payload.get("name"));
                }
                if tool.is_empty() {
                    tool = "unknown_tool".into();
                }
                let result = e.payload.get("result");
                let field = |k: &str| py_repr(result.and_then(|r| r.get(k)));
                lines.push(format!(
                    "- {tool} ok={} error_kind={}",
                    field("ok"),
                    field("error_kind")
                ));
            }
        }
    }
    let out = python_strip(&lines.join("\n")).to_string();
    if out.chars().count() > 4096 {
        let cut: String = out.chars().take(4096).collect();
        return Some(format!("{cut}\n...<truncated>"));
    }
    Some(out)
}

/// `str(payload.get(k) or "")` for the values a WAL holds.
fn py_str_or_empty(v: Option<&serde_json::Value>) -> String {
    use serde_json::Value;
    match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(true)) => "True".into(),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => String::new(),
        Some(other) => py_repr(Some(other)),
    }
}

/// Python's `str()` of a scalar JSON value (`True`, `None`, numbers as written).
fn py_repr(v: Option<&serde_json::Value>) -> String {
    use serde_json::Value;
    match v {
        None | Some(Value::Null) => "None".into(),
        Some(Value::Bool(true)) => "True".into(),
        Some(Value::Bool(false)) => "False".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => crate::agent::json::to_python_json(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(kind: &str, payload: serde_json::Value) -> Event {
        let mut e = Event::new(kind, "r", payload.as_object().unwrap().clone());
        e.timestamp = "t".into();
        e
    }

    #[test]
    fn summary_lists_task_terminal_and_recent_tools() {
        let events = vec![
            ev("run_started", json!({"task": "fix it"})),
            ev(
                "tool_call_finished",
                json!({"tool": "file_read", "result": {"ok": true}}),
            ),
            ev(
                "tool_call_finished",
                json!({"tool": "shell_exec",
                "result": {"ok": false, "error_kind": "permission"}}),
            ),
            ev("run_failed", json!({"message": "boom"})),
        ];
        assert_eq!(
            resume_summary(&events).unwrap(),
            "[Resume Summary]\nprevious_task: fix it\nprevious_events: 4\nprevious_terminal: run_failed\nprevious_terminal_text: boom\nrecent_tools:\n- file_read ok=True error_kind=None\n- shell_exec ok=False error_kind=permission"
        );
        assert_eq!(resume_summary(&[]), None);
        let killed = vec![ev("run_started", json!({"task": "t"}))];
        assert_eq!(
            resume_summary(&killed).unwrap(),
            "[Resume Summary]\nprevious_task: t\nprevious_events: 1\nprevious_terminal: unknown"
        );
    }
}
