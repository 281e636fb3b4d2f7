//! How a run looks on the terminal. `--json`: each event exactly as its WAL line, on stdout,
//! nothing else there. Human: the assistant's text streams to stdout as it arrives; tool calls,
//! approvals and results go to stderr, one compact line each, so `> answer.txt` keeps only the
//! answer.

use std::collections::HashSet;
use std::io::Write;

use serde_json::Value;
use skills_runtime::agent::events::{Event, kinds};
use skills_runtime::agent::run::RunResult;
use skills_runtime::agent::safety::shlex;
use skills_runtime::agent::wal::encode_line;

use crate::cli::write_stdout;

/// Longest detail shown on a status line.
const MAX_DETAIL_CHARS: usize = 100;

pub struct Renderer {
    json: bool,
    /// Approvals are asked on the terminal (the question shows the request).
    approvals_asked: bool,
    /// `ask_human` questions are asked on the terminal.
    humans_asked: bool,
    /// The assistant's text on stdout ended with a newline (or nothing was written).
    at_line_start: bool,
    skills_shown: HashSet<String>,
    wal: Option<String>,
}

impl Renderer {
    pub fn new(json: bool, approvals_asked: bool, humans_asked: bool) -> Renderer {
        Renderer {
            json,
            approvals_asked,
            humans_asked,
            at_line_start: true,
            skills_shown: HashSet::new(),
            wal: None,
        }
    }

    pub fn event(&mut self, e: &Event) -> Result<(), String> {
        if let Some(w) = e.payload_str("wal_locator") {
            self.wal = Some(w.to_string());
        }
        if self.json {
            return write_stdout(&(encode_line(e) + "\n"));
        }
        let p = &e.payload;
        let s = |k: &str| e.payload_str(k).unwrap_or_default().to_string();
        match e.kind.as_str() {
            kinds::RUN_STARTED => {
                self.status(&format!("● run {} in {}", e.run_id, s("workspace_root")))
            }
            kinds::SKILL_INJECTED if self.skills_shown.insert(s("mention_text")) => self.status(
                &format!("+ skill {} ({})", s("mention_text"), s("skill_path")),
            ),
            kinds::SKILL_INJECTION_SKIPPED => self.status(&format!(
                "! skill {} not injected: missing env var {}",
                s("skill_name"),
                p.get("missing_env_vars")
                    .map(Value::to_string)
                    .unwrap_or_default()
            )),
            kinds::SKILL_MENTION_UNRESOLVED => {
                let mut line = format!("! {} is not injected: {}", s("mention_text"), s("message"));
                if let Some(h) = e.payload_str("help") {
                    line.push_str(&format!(" — {h}"));
                }
                self.status(&line);
            }
            kinds::LLM_RETRY_SCHEDULED => self.status(&format!(
                "… model request failed ({}{}), retrying in {} ms",
                s("error_kind"),
                p.get("status_code")
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default(),
                p.get("delay_ms").map(Value::to_string).unwrap_or_default()
            )),
            kinds::LLM_RESPONSE_DELTA if e.payload_str("delta_type") == Some("text") => {
                let text = s("text");
                if !text.is_empty() {
                    self.at_line_start = text.ends_with('\n');
                    write_stdout(&text)?;
                }
            }
            kinds::TOOL_CALL_REQUESTED => self.status(&format!(
                "▸ {} {}",
                s("tool"),
                clip(&call_summary(&s("tool"), p.get("arguments")))
            )),
            kinds::APPROVAL_REQUESTED if !self.approvals_asked => {
                self.status(&format!("  ? approval needed: {}", s("summary")))
            }
            kinds::APPROVAL_DECIDED => {
                let decision = s("decision");
                let mark = if decision.starts_with("approved") {
                    "✓"
                } else {
                    "✗"
                };
                self.status(&format!(
                    "  {mark} {} ({})",
                    decision.replace('_', " "),
                    s("reason")
                ))
            }
            kinds::TOOL_CALL_FINISHED => {
                let r = p.get("result").cloned().unwrap_or(Value::Null);
                self.status(&format!("  {}", result_summary(&r)))
            }
            kinds::HUMAN_REQUEST if !self.humans_asked => {
                self.status(&format!("  ? {}", s("question")))
            }
            kinds::PLAN_UPDATED => {
                let steps = p
                    .get("plan")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let mut lines = vec!["  plan:".to_string()];
                for step in steps {
                    let mark = match step.get("status").and_then(Value::as_str) {
                        Some("completed") => "[x]",
                        Some("in_progress") => "[~]",
                        _ => "[ ]",
                    };
                    let text = step.get("step").and_then(Value::as_str).unwrap_or_default();
                    lines.push(format!("    {mark} {text}"));
                }
                self.status(&lines.join("\n"))
            }
            kinds::CONTEXT_LENGTH_EXCEEDED => {
                self.status("! the conversation no longer fits the model's context")
            }
            kinds::RUN_COMPLETED => self.status("✓ run completed"),
            kinds::RUN_FAILED => self.status(&format!(
                "✗ run failed ({}): {}",
                s("error_kind"),
                s("message")
            )),
            kinds::RUN_CANCELLED => self.status("✗ run cancelled"),
            kinds::RUN_WAITING_HUMAN => {
                self.status(&format!("… run waiting for a human: {}", s("message")))
            }
            _ => {}
        }
        Ok(())
    }

    /// Ends the assistant's partial line before a question is printed.
    pub fn before_prompt(&mut self) -> Result<(), String> {
        self.end_text_line()
    }

    pub fn finish(&mut self, result: &RunResult) -> Result<(), String> {
        if self.json {
            return Ok(());
        }
        self.end_text_line()?;
        let wal = self
            .wal
            .clone()
            .unwrap_or_else(|| result.wal_locator.clone());
        eprintln!("  events: {wal}");
        Ok(())
    }

    fn end_text_line(&mut self) -> Result<(), String> {
        if !self.at_line_start {
            write_stdout("\n")?;
            self.at_line_start = true;
        }
        Ok(())
    }

    fn status(&mut self, line: &str) {
        let _ = self.end_text_line();
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{line}");
    }
}

/// The call in a few words: the command, the path, or the arguments.
fn call_summary(tool: &str, args: Option<&Value>) -> String {
    let Some(args) = args else {
        return String::new();
    };
    let text = |k: &str| args.get(k).and_then(Value::as_str).map(str::to_owned);
    let argv = args.get("argv").and_then(Value::as_array).map(|a| {
        let words: Vec<String> = a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect();
        shlex::join(&words)
    });
    match tool {
        "shell_exec" | "shell" => argv.unwrap_or_default(),
        "shell_command" => text("command").unwrap_or_default(),
        "file_read" | "file_write" | "view_image" => text("path").unwrap_or_default(),
        "read_file" => text("file_path").unwrap_or_default(),
        "list_dir" => text("dir_path").unwrap_or_default(),
        "apply_patch" => args
            .get("file_paths")
            .map(Value::to_string)
            .unwrap_or_default(),
        "skill_exec" => format!(
            "{} {}",
            text("skill_mention").unwrap_or_default(),
            text("action_id").unwrap_or_default()
        ),
        _ => serde_json::to_string(args).unwrap_or_default(),
    }
}

/// `✓ exit 0 · 12 ms · first line` or `✗ permission: approval denied`.
fn result_summary(r: &Value) -> String {
    let ok = r.get("ok").and_then(Value::as_bool).unwrap_or(false);
    let field = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or_default();
    let first_line = |t: &str| {
        t.lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .to_string()
    };
    let ms = r.get("duration_ms").and_then(Value::as_u64).unwrap_or(0);
    if ok {
        let out = field("stdout");
        let n = out.lines().count();
        let mut line = format!("✓ {ms} ms");
        if let Some(code) = r.get("exit_code").and_then(Value::as_i64) {
            line = format!("✓ exit {code} · {ms} ms");
        }
        if n > 0 {
            line.push_str(&format!(" · {}", clip(&first_line(out))));
            if n > 1 {
                line.push_str(&format!(" (+{} lines)", n - 1));
            }
        }
        line
    } else {
        let mut why = first_line(field("stderr"));
        if why.is_empty() {
            why = first_line(field("stdout"));
        }
        let kind = field("error_kind");
        clip(&format!("✗ {kind}: {why}"))
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_DETAIL_CHARS {
        return s.to_string();
    }
    let cut: String = s.chars().take(MAX_DETAIL_CHARS).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn results_are_one_compact_line() {
        assert_eq!(
            result_summary(
                &json!({"ok": true, "stdout": "hi\nthere\n", "exit_code": 0, "duration_ms": 3})
            ),
            "✓ exit 0 · 3 ms · hi (+1 lines)"
        );
        assert_eq!(
            result_summary(
                &json!({"ok": false, "stderr": "approval denied", "error_kind": "permission"})
            ),
            "✗ permission: approval denied"
        );
        assert_eq!(
            call_summary("shell_exec", Some(&json!({"argv": ["echo", "a b"]}))),
            "echo 'a b'"
        );
    }
}
