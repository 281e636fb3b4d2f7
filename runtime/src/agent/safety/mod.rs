//! The safety gate (spec §4): guard risk rules, shell intent parsing, policy decisions,
//! sanitized approval requests, the byte-exact `approval_key`, and secret redaction (§6.5).
//!
//! How the engine uses it, per tool call (arguments already parsed as a JSON object):
//! 1. [`logged_arguments`] → `tool_call_requested.arguments` (and the `llm_response_delta`
//!    tool calls);
//! 2. [`decide`] → allow / deny (denied result with `reason` and `rule`) / ask;
//! 3. on ask, [`approval_request`] → the `approval_requested` payload and the key that session
//!    approvals and the repeated-denial guard are counted under.
//!
//! Divergence from the reference (the issue asks for it): logged and displayed requests of the
//! shell/file tools have secret values redacted too; their `approval_key` is unchanged.
//!
//! Decisions come from a human or from [`decide_by_rules`]. `skill_exec` needs a
//! [`SkillActionIntent`] (the resolved action) for 1–3. Tool outputs are scrubbed with
//! [`Redactor::redact_str`].

mod approvals;
mod guard;
mod intent;
mod policy;
mod redact;
mod sanitize;
pub mod shlex;

pub use approvals::{ApprovalDecision, ApprovalRule, RuleCondition, decide_by_rules};
pub use guard::{CommandRisk, RiskLevel, evaluate_command_risk};
pub use intent::{ShellIntent, parse_shell_intent};
pub use policy::{GateDecision, decide};
pub use redact::{REDACTED, Redactor};
pub use sanitize::{
    ApprovalRequest, SkillActionIntent, approval_key, approval_request, logged_arguments,
};
