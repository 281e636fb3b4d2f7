//! Questions on the terminal: tool-call approvals (showing the exact command and its working
//! directory, or the file change as a diff) and `ask_human` questions.
//!
//! The engine asks through [`Prompter`] (an `ApprovalProvider` and a `HumanIo`); the question is
//! handed to the command's main loop, which first prints every event emitted before it, so the
//! transcript stays in order. Answers are read from one stdin reader thread; lines typed before a
//! question appears are discarded, so a late answer never lands on the next question.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Mutex;

use serde_json::Value;
use skills_runtime::agent::approvals::{
    ApprovalDecision, ApprovalError, ApprovalFuture, ApprovalProvider, ApprovalRequest,
};
use skills_runtime::agent::cancel::CancelToken;
use skills_runtime::agent::safety::shlex;
use skills_runtime::agent::tools::HumanIo;
use tokio::sync::{mpsc, oneshot};

pub enum PromptRequest {
    Approval {
        request: Box<ApprovalRequest>,
        reply: oneshot::Sender<ApprovalDecision>,
    },
    Human {
        question: String,
        choices: Vec<String>,
        reply: oneshot::Sender<Option<String>>,
    },
}

pub struct Prompter {
    workspace_root: PathBuf,
    tx: mpsc::UnboundedSender<PromptRequest>,
    rx: Mutex<Option<mpsc::UnboundedReceiver<PromptRequest>>>,
    /// Lines from standard input (`None`: end of input).
    lines: tokio::sync::Mutex<mpsc::UnboundedReceiver<Option<String>>>,
}

impl Prompter {
    pub fn new(workspace_root: &Path) -> Prompter {
        let (tx, rx) = mpsc::unbounded_channel();
        let (line_tx, line_rx) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            let stdin = std::io::stdin();
            loop {
                let mut line = String::new();
                match stdin.read_line(&mut line) {
                    Ok(0) | Err(_) => {
                        let _ = line_tx.send(None);
                        return;
                    }
                    Ok(_) => {
                        if line_tx.send(Some(line.trim().to_string())).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        Prompter {
            workspace_root: workspace_root.to_path_buf(),
            tx,
            rx: Mutex::new(Some(rx)),
            lines: tokio::sync::Mutex::new(line_rx),
        }
    }

    /// The questions to answer (taken once, by the main loop).
    pub fn requests(&self) -> mpsc::UnboundedReceiver<PromptRequest> {
        self.rx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or_else(|| mpsc::unbounded_channel().1)
    }

    /// Asks one question on the terminal and replies to the engine. Gives up when the engine
    /// stops waiting (approval timeout) or the run is cancelled.
    pub async fn answer(&self, request: PromptRequest, cancel: &CancelToken) {
        let mut lines = self.lines.lock().await;
        while lines.try_recv().is_ok() {}
        match request {
            PromptRequest::Approval { request, mut reply } => {
                eprint!("{}", describe_approval(&request, &self.workspace_root));
                loop {
                    eprint!(
                        "  [a] approve  [s] approve for this session  [d] deny  [x] abort the run > "
                    );
                    let line = tokio::select! {
                        l = lines.recv() => l.flatten(),
                        _ = reply.closed() => {
                            eprintln!("\n  (no answer in time: denied)");
                            return;
                        }
                        _ = cancel.cancelled() => {
                            eprintln!();
                            return;
                        }
                    };
                    let decision = match line.as_deref() {
                        None => {
                            eprintln!("\n  (end of input: denied)");
                            Some(ApprovalDecision::Denied)
                        }
                        Some(l) => parse_decision(l),
                    };
                    if let Some(d) = decision {
                        let _ = reply.send(d);
                        return;
                    }
                }
            }
            PromptRequest::Human {
                question,
                choices,
                mut reply,
            } => {
                eprintln!("? {question}");
                for (i, c) in choices.iter().enumerate() {
                    eprintln!("  {}. {c}", i + 1);
                }
                eprint!("  > ");
                let line = tokio::select! {
                    l = lines.recv() => l.flatten(),
                    _ = reply.closed() => return,
                    _ = cancel.cancelled() => return,
                };
                let answer = line.map(|l| match l.parse::<usize>() {
                    Ok(n) if n >= 1 && n <= choices.len() => choices[n - 1].clone(),
                    _ => l,
                });
                let _ = reply.send(answer);
            }
        }
    }
}

fn parse_decision(line: &str) -> Option<ApprovalDecision> {
    match line.to_ascii_lowercase().as_str() {
        "a" | "y" | "yes" | "approve" | "approved" => Some(ApprovalDecision::Approved),
        "s" | "session" | "approved_for_session" => Some(ApprovalDecision::ApprovedForSession),
        "d" | "n" | "no" | "deny" | "denied" => Some(ApprovalDecision::Denied),
        "x" | "abort" | "q" | "quit" => Some(ApprovalDecision::Abort),
        _ => None,
    }
}

impl ApprovalProvider for Prompter {
    fn request_approval<'a>(&'a self, request: &'a ApprovalRequest, _: u64) -> ApprovalFuture<'a> {
        // Sent when first polled: after the engine has emitted `approval_requested`.
        Box::pin(async move {
            let (reply, answer) = oneshot::channel();
            let sent = self.tx.send(PromptRequest::Approval {
                request: Box::new(request.clone()),
                reply,
            });
            if sent.is_err() {
                return Err(ApprovalError::Failed("the terminal is gone".into()));
            }
            answer
                .await
                .map_err(|_| ApprovalError::Failed("the terminal did not answer".into()))
        })
    }
}

impl HumanIo for Prompter {
    fn ask(
        &self,
        _call_id: &str,
        question: &str,
        choices: &[String],
        _context: &Value,
    ) -> Pin<Box<dyn std::future::Future<Output = Option<String>> + Send + '_>> {
        let (reply, answer) = oneshot::channel();
        let sent = self.tx.send(PromptRequest::Human {
            question: question.to_string(),
            choices: choices.to_vec(),
            reply,
        });
        Box::pin(async move {
            sent.ok()?;
            answer.await.ok().flatten()
        })
    }
}

/// Most lines of a diff or patch shown before `…`.
const MAX_SHOWN_LINES: usize = 200;

/// What is about to happen, exactly: the command and where it runs, or the file change.
fn describe_approval(r: &ApprovalRequest, root: &Path) -> String {
    let d = &r.details;
    let a = &r.arguments;
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let argv = |v: &Value, k: &str| -> Option<Vec<String>> {
        Some(
            v.get(k)?
                .as_array()?
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect(),
        )
    };
    let cwd = |k: &str| {
        text(d, k)
            .map(|c| root.join(c).to_string_lossy().into_owned())
            .unwrap_or_else(|| root.to_string_lossy().into_owned())
    };
    let mut out = format!("\n? approval needed: {}\n", r.tool);
    let mut row = |k: &str, v: &str| out.push_str(&format!("    {k:<9}{v}\n"));
    match r.tool.as_str() {
        "shell_exec" | "shell" => {
            row(
                "command",
                &shlex::join(&argv(d, "argv").unwrap_or_default()),
            );
            row("cwd", &cwd("cwd"));
        }
        "shell_command" => {
            row("command", &text(d, "command").unwrap_or_default());
            row("cwd", &cwd("workdir"));
        }
        "skill_exec" => {
            row("skill", &text(d, "skill_mention").unwrap_or_default());
            row("action", &text(d, "action_id").unwrap_or_default());
            row(
                "command",
                &shlex::join(&argv(d, "argv").unwrap_or_default()),
            );
            row("cwd", &root.to_string_lossy());
        }
        "file_write" => {
            let path = text(d, "path").unwrap_or_default();
            row("file", &root.join(&path).to_string_lossy());
            let new = text(a, "content").unwrap_or_default();
            let old = std::fs::read_to_string(root.join(&path)).ok();
            if old.is_none() {
                row("", "(new file)");
            }
            for l in line_diff(old.as_deref().unwrap_or(""), &new) {
                out.push_str(&format!("    {l}\n"));
            }
        }
        "apply_patch" => {
            let patch = text(a, "input").unwrap_or_default();
            let lines: Vec<&str> = patch.lines().collect();
            for l in lines.iter().take(MAX_SHOWN_LINES) {
                out.push_str(&format!("    {l}\n"));
            }
            if lines.len() > MAX_SHOWN_LINES {
                out.push_str(&format!(
                    "    … {} more lines\n",
                    lines.len() - MAX_SHOWN_LINES
                ));
            }
        }
        _ => {
            let shown = serde_json::to_string_pretty(d).unwrap_or_default();
            for l in shown.lines() {
                out.push_str(&format!("    {l}\n"));
            }
        }
    }
    if let Some(risk) = d.get("risk") {
        let level = text(risk, "risk_level").unwrap_or_default();
        let reason = text(risk, "reason").unwrap_or_default();
        out.push_str(&format!("    {:<9}{level} — {reason}\n", "risk"));
    }
    if let Some(j) = text(d, "justification") {
        out.push_str(&format!("    {:<9}{j}\n", "why"));
    }
    out
}

/// A line diff (`-` removed, `+` added, ` ` kept; long unchanged runs elided), from the longest
/// common subsequence of lines. Very large inputs are summarized instead.
fn line_diff(old: &str, new: &str) -> Vec<String> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    if a.len().saturating_mul(b.len()) > 4_000_000 {
        return vec![format!(
            "(too large to diff here: {} lines → {} lines)",
            a.len(),
            b.len()
        )];
    }
    // lcs[i][j] = LCS length of a[i..] and b[j..].
    let w = b.len() + 1;
    let mut lcs = vec![0u32; (a.len() + 1) * w];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i * w + j] = if a[i] == b[j] {
                lcs[(i + 1) * w + j + 1] + 1
            } else {
                lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
            };
        }
    }
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
            ops.push(('-', a[i]));
            i += 1;
        } else {
            ops.push(('+', b[j]));
            j += 1;
        }
    }
    // Keep 2 lines of context around changes.
    let near_change = |k: usize| {
        ops[k.saturating_sub(2)..(k + 3).min(ops.len())]
            .iter()
            .any(|(c, _)| *c != ' ')
    };
    let mut out = Vec::new();
    let mut elided = false;
    for (k, (c, l)) in ops.iter().enumerate() {
        if *c == ' ' && !near_change(k) {
            if !elided {
                out.push("  …".to_string());
                elided = true;
            }
            continue;
        }
        elided = false;
        out.push(format!("{c} {l}"));
        if out.len() >= MAX_SHOWN_LINES {
            out.push("  … (diff truncated)".into());
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_shows_changes_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\n";
        let new = "a\nb\nc\nD\ne\nf\ng\nh\n";
        assert_eq!(
            line_diff(old, new),
            [
                "  …", "  b", "  c", "- d", "+ D", "  e", "  f", "  g", "+ h"
            ]
        );
        assert_eq!(line_diff("", "x\ny\n"), ["+ x", "+ y"]);
    }

    #[test]
    fn decisions_accept_short_and_long_answers() {
        assert_eq!(parse_decision("A"), Some(ApprovalDecision::Approved));
        assert_eq!(
            parse_decision("s"),
            Some(ApprovalDecision::ApprovedForSession)
        );
        assert_eq!(parse_decision("no"), Some(ApprovalDecision::Denied));
        assert_eq!(parse_decision("x"), Some(ApprovalDecision::Abort));
        assert_eq!(parse_decision("maybe"), None);
    }
}
