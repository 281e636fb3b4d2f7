//! Approvals (spec §4.5, §4.8, §4.9): who decides when the gate says *ask*.
//!
//! The engine asks one [`ApprovalProvider`] per run, one request at a time, bounded by
//! `safety.approval_timeout_ms` (a timeout is a denial). Providers here:
//! - [`FixedApprovals`]: the same decision every time (`--approve all|none`);
//! - [`ScriptedApprovals`]: decisions from a list, in order (scenario scripts);
//! - [`ApprovalInbox`]: requests parked until someone answers by `approval_key` — what a
//!   terminal prompt or an editor uses;
//! - [`RuleApprovals`]: ordered rules `{tool, condition?, decision}` over the sanitized request
//!   (conditions are data: command prefix, maximum risk, field equality), default denied.
//!
//! [`ApprovalSession`] holds the `approved_for_session` keys, shared by every run started with
//! it (the reference keeps them for the life of the `Agent`).

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::oneshot;

use crate::agent::safety::decide_by_rules;
pub use crate::agent::safety::{ApprovalDecision, ApprovalRule, RuleCondition};

/// What the provider is asked about (the sanitized request: no secrets, no file contents).
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalRequest {
    pub run_id: String,
    pub call_id: String,
    pub approval_key: String,
    pub tool: String,
    /// One line for humans (`授权：shell_exec 执行命令：echo hi`).
    pub summary: String,
    /// The sanitized request whose canonical JSON is hashed into `approval_key`.
    pub details: Value,
    /// The call's arguments as the model sent them (secrets scrubbed), for a UI that shows
    /// more than the sanitized request — a file's new content as a diff, a patch. Never part
    /// of the key; do not log it.
    pub arguments: Value,
}

/// Why a provider could not decide. Maps onto `run_failed` (`config_error` or `unknown`).
#[derive(Debug, Clone, PartialEq)]
pub enum ApprovalError {
    /// The provider is misconfigured (e.g. a scripted list ran out).
    Config(String),
    Failed(String),
}

impl ApprovalError {
    pub fn error_kind(&self) -> &'static str {
        match self {
            ApprovalError::Config(_) => "config_error",
            ApprovalError::Failed(_) => "unknown",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            ApprovalError::Config(m) | ApprovalError::Failed(m) => m,
        }
    }
}

pub type ApprovalFuture<'a> =
    Pin<Box<dyn Future<Output = Result<ApprovalDecision, ApprovalError>> + Send + 'a>>;

/// Decides approval requests. The engine applies the timeout itself; `timeout_ms` is passed
/// so a provider can show it (or give up earlier). `request_approval` is called just before
/// the engine emits `approval_requested` and its future is polled just after: register the
/// request in the call, interact (print, notify) in the future.
pub trait ApprovalProvider: Send + Sync {
    fn request_approval<'a>(
        &'a self,
        request: &'a ApprovalRequest,
        timeout_ms: u64,
    ) -> ApprovalFuture<'a>;
}

/// The same decision for every request.
#[derive(Debug, Clone, Copy)]
pub struct FixedApprovals(pub ApprovalDecision);

impl ApprovalProvider for FixedApprovals {
    fn request_approval<'a>(&'a self, _: &'a ApprovalRequest, _: u64) -> ApprovalFuture<'a> {
        let d = self.0;
        Box::pin(async move { Ok(d) })
    }
}

/// Decisions taken from a list, one per request; running out is a configuration error.
#[derive(Debug, Default)]
pub struct ScriptedApprovals {
    decisions: Mutex<VecDeque<ApprovalDecision>>,
}

impl ScriptedApprovals {
    pub fn new(decisions: impl IntoIterator<Item = ApprovalDecision>) -> Self {
        ScriptedApprovals {
            decisions: Mutex::new(decisions.into_iter().collect()),
        }
    }

    pub fn remaining(&self) -> usize {
        lock(&self.decisions).len()
    }
}

impl ApprovalProvider for ScriptedApprovals {
    fn request_approval<'a>(&'a self, _: &'a ApprovalRequest, _: u64) -> ApprovalFuture<'a> {
        let next = lock(&self.decisions).pop_front();
        Box::pin(async move {
            next.ok_or_else(|| ApprovalError::Config("scripted approvals exhausted".into()))
        })
    }
}

/// Ordered rules (spec §4.9, [`crate::agent::safety::decide_by_rules`]): the first rule whose
/// tool matches and whose condition holds on the sanitized request decides; otherwise
/// `default` (the reference's is `denied`).
#[derive(Debug, Clone)]
pub struct RuleApprovals {
    pub rules: Vec<ApprovalRule>,
    pub default: ApprovalDecision,
}

impl RuleApprovals {
    pub fn new(rules: Vec<ApprovalRule>) -> Self {
        RuleApprovals {
            rules,
            default: ApprovalDecision::Denied,
        }
    }

    pub fn decide(&self, request: &ApprovalRequest) -> ApprovalDecision {
        let sanitized = crate::agent::safety::ApprovalRequest {
            tool: request.tool.clone(),
            summary: request.summary.clone(),
            request: request.details.clone(),
            approval_key: request.approval_key.clone(),
        };
        decide_by_rules(&self.rules, self.default, &sanitized)
    }
}

impl ApprovalProvider for RuleApprovals {
    fn request_approval<'a>(&'a self, request: &'a ApprovalRequest, _: u64) -> ApprovalFuture<'a> {
        let d = self.decide(request);
        Box::pin(async move { Ok(d) })
    }
}

/// Requests parked until answered through [`decide`](Self::decide), keyed by
/// `(run_id, approval_key)` as Studio keys them, so one inbox can serve every run of a session. The engine hands a request over before
/// it emits `approval_requested`, so an answer sent on seeing that event always finds it;
/// [`pending`](Self::pending) lists what is waiting.
#[derive(Default)]
pub struct ApprovalInbox {
    waiting: Mutex<HashMap<(String, String), Parked>>,
}

struct Parked {
    request: ApprovalRequest,
    reply: oneshot::Sender<ApprovalDecision>,
}

impl ApprovalInbox {
    pub fn new() -> Arc<Self> {
        Arc::new(ApprovalInbox::default())
    }

    /// Answers the pending request of `run_id` with this key. `false` if nothing is waiting
    /// for it (never asked, already answered, or timed out).
    pub fn decide(&self, run_id: &str, approval_key: &str, decision: ApprovalDecision) -> bool {
        let key = (run_id.to_string(), approval_key.to_string());
        match lock(&self.waiting).remove(&key) {
            Some(p) => p.reply.send(decision).is_ok(),
            None => false,
        }
    }

    /// The requests waiting for an answer.
    pub fn pending(&self) -> Vec<ApprovalRequest> {
        lock(&self.waiting)
            .values()
            .map(|p| p.request.clone())
            .collect()
    }
}

impl ApprovalProvider for ApprovalInbox {
    fn request_approval<'a>(&'a self, request: &'a ApprovalRequest, _: u64) -> ApprovalFuture<'a> {
        let (tx, rx) = oneshot::channel();
        let key = (request.run_id.clone(), request.approval_key.clone());
        lock(&self.waiting).insert(
            key.clone(),
            Parked {
                request: request.clone(),
                reply: tx,
            },
        );
        Box::pin(async move {
            let guard = Unpark { inbox: self, key };
            let out = rx
                .await
                .map_err(|_| ApprovalError::Failed("the approval request was dropped".into()));
            drop(guard);
            out
        })
    }
}

/// Removes a parked request when its waiter goes away (timeout, cancellation).
struct Unpark<'a> {
    inbox: &'a ApprovalInbox,
    key: (String, String),
}

impl Drop for Unpark<'_> {
    fn drop(&mut self) {
        lock(&self.inbox.waiting).remove(&self.key);
    }
}

/// State that outlives one run: the `approved_for_session` keys.
#[derive(Debug, Default)]
pub struct ApprovalSession {
    approved: Mutex<HashSet<String>>,
}

impl ApprovalSession {
    pub fn new() -> Arc<Self> {
        Arc::new(ApprovalSession::default())
    }

    pub fn is_approved(&self, approval_key: &str) -> bool {
        lock(&self.approved).contains(approval_key)
    }

    pub fn approve(&self, approval_key: &str) {
        lock(&self.approved).insert(approval_key.to_string());
    }
}

/// Denials per `approval_key` within one run (spec §4.8): the second denial of the same key
/// stops the run.
#[derive(Debug, Default)]
pub struct DenialCounter {
    by_key: HashMap<String, u32>,
}

/// Denials of one key that end the run.
pub const LOOP_GUARD_THRESHOLD: u32 = 2;

impl DenialCounter {
    /// Records a denial; returns whether the loop guard now stops the run.
    pub fn record(&mut self, approval_key: &str) -> bool {
        let n = self.by_key.entry(approval_key.to_string()).or_insert(0);
        *n += 1;
        *n >= LOOP_GUARD_THRESHOLD
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(tool: &str, key: &str) -> ApprovalRequest {
        ApprovalRequest {
            run_id: "r".into(),
            call_id: "c".into(),
            approval_key: key.into(),
            tool: tool.into(),
            summary: String::new(),
            details: json!({}),
            arguments: json!({}),
        }
    }

    #[test]
    fn loop_guard_trips_on_the_second_denial_of_one_key() {
        let mut c = DenialCounter::default();
        assert!(!c.record("a"));
        assert!(!c.record("b"));
        assert!(c.record("a"));
    }

    #[tokio::test]
    async fn rule_provider_answers_from_the_sanitized_request() {
        let p = RuleApprovals::new(vec![ApprovalRule {
            tool: "shell_exec".into(),
            condition: Some(RuleCondition::CommandPrefix("git status".into())),
            decision: ApprovalDecision::Approved,
        }]);
        let mut r = request("shell_exec", "k");
        r.details = json!({"argv": ["git", "status", "-s"]});
        assert_eq!(
            p.request_approval(&r, 1).await,
            Ok(ApprovalDecision::Approved)
        );
        r.details = json!({"argv": ["git", "push"]});
        assert_eq!(
            p.request_approval(&r, 1).await,
            Ok(ApprovalDecision::Denied)
        );
    }

    #[tokio::test]
    async fn inbox_parks_until_decided_and_forgets_abandoned_requests() {
        let inbox = ApprovalInbox::new();
        let req = request("shell_exec", "k1");
        let inbox2 = inbox.clone();
        let answered = tokio::spawn(async move {
            let r = request("shell_exec", "k1");
            inbox2.request_approval(&r, 1000).await
        });
        while inbox.pending().is_empty() {
            tokio::task::yield_now().await;
        }
        assert_eq!(inbox.pending(), vec![req]);
        assert!(!inbox.decide("other-run", "k1", ApprovalDecision::Denied));
        assert!(inbox.decide("r", "k1", ApprovalDecision::Denied));
        assert_eq!(answered.await.unwrap(), Ok(ApprovalDecision::Denied));
        assert!(!inbox.decide("r", "k1", ApprovalDecision::Approved));
        // A waiter that times out leaves nothing behind.
        let r = request("t", "k2");
        let timed_out = tokio::time::timeout(
            std::time::Duration::from_millis(5),
            inbox.request_approval(&r, 5),
        )
        .await;
        assert!(timed_out.is_err());
        assert!(inbox.pending().is_empty());
    }

    #[tokio::test]
    async fn scripted_approvals_run_out_as_a_config_error() {
        let p = ScriptedApprovals::new([ApprovalDecision::Approved]);
        let r = request("t", "k");
        assert_eq!(
            p.request_approval(&r, 1).await,
            Ok(ApprovalDecision::Approved)
        );
        assert!(matches!(
            p.request_approval(&r, 1).await,
            Err(ApprovalError::Config(_))
        ));
    }
}
