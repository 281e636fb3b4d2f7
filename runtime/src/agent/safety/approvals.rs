//! Approval decisions and the rule-based provider (spec §4.5, §4.9; `P/safety/approvals.py`,
//! `P/safety/rule_approvals.py`).
//!
//! The reference's rules hold Python callables as conditions; here a condition is data
//! ([`RuleCondition`]) so rules can come from a file or the command line. The matching keeps
//! the reference's shape: rules in order, the first whose tool matches and whose condition holds
//! wins, a condition that cannot be evaluated (missing field) does not match, and the default is
//! `denied` (fail-closed).

use serde_json::Value;

use super::guard::RiskLevel;
use super::policy::matching_prefix;
use super::sanitize::ApprovalRequest;
use crate::text::python_strip;

/// An answer to an approval request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApprovalDecision {
    Approved,
    /// Approved, and every later call with the same approval key is approved without asking.
    ApprovedForSession,
    Denied,
    /// Cancel the run.
    Abort,
}

impl ApprovalDecision {
    /// The wire name (`approval_decided.decision`).
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalDecision::Approved => "approved",
            ApprovalDecision::ApprovedForSession => "approved_for_session",
            ApprovalDecision::Denied => "denied",
            ApprovalDecision::Abort => "abort",
        }
    }

    /// A wire name, or one of the Studio backend's aliases (`approved-session`,
    /// `approved_for_sess`); surrounding blanks and case are ignored.
    pub fn parse(text: &str) -> Option<ApprovalDecision> {
        match python_strip(text).to_ascii_lowercase().as_str() {
            "approved" => Some(ApprovalDecision::Approved),
            "approved_for_session" | "approved-session" | "approved_for_sess" => {
                Some(ApprovalDecision::ApprovedForSession)
            }
            "denied" => Some(ApprovalDecision::Denied),
            "abort" => Some(ApprovalDecision::Abort),
            _ => None,
        }
    }
}

/// A condition on the sanitized approval request.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleCondition {
    /// The command matches this prefix with the allowlist's semantics (spec §4.4). The command is
    /// the request's `argv` (`shell_exec`, `shell`, `skill_exec`) or its `intent.argv`
    /// (`shell_command`, `exec_command`); a complex shell string (pipes, `&&`, redirections)
    /// never matches, so `pytest && rm -rf /` is not approved by a `pytest` rule.
    CommandPrefix(String),
    /// The request's `risk.risk_level` is at most this level.
    MaxRisk(RiskLevel),
    /// The value at this JSON pointer (RFC 6901, e.g. `/path`) in the request equals `value`.
    FieldEquals { pointer: String, value: Value },
}

impl RuleCondition {
    fn holds(&self, request: &Value) -> bool {
        match self {
            RuleCondition::CommandPrefix(prefix) => command_argv(request)
                .is_some_and(|argv| matching_prefix(&argv, std::slice::from_ref(prefix)).is_some()),
            RuleCondition::MaxRisk(max) => request
                .pointer("/risk/risk_level")
                .and_then(Value::as_str)
                .and_then(parse_risk_level)
                .is_some_and(|level| risk_rank(level) <= risk_rank(*max)),
            RuleCondition::FieldEquals { pointer, value } => {
                request.pointer(pointer) == Some(value)
            }
        }
    }
}

/// One rule: for `tool` (exact, trimmed), when `condition` holds (or always), answer `decision`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalRule {
    pub tool: String,
    pub condition: Option<RuleCondition>,
    pub decision: ApprovalDecision,
}

/// Answers an approval request from rules, without a human: the first matching rule's decision,
/// else `default` (the reference's default is `denied`).
pub fn decide_by_rules(
    rules: &[ApprovalRule],
    default: ApprovalDecision,
    request: &ApprovalRequest,
) -> ApprovalDecision {
    let tool = python_strip(&request.tool);
    rules
        .iter()
        .filter(|rule| python_strip(&rule.tool) == tool)
        .find(|rule| {
            rule.condition
                .as_ref()
                .is_none_or(|c| c.holds(&request.request))
        })
        .map_or(default, |rule| rule.decision)
}

fn command_argv(request: &Value) -> Option<Vec<String>> {
    let argv = match request.get("intent") {
        Some(intent) => {
            if intent.get("is_complex") != Some(&Value::Bool(false)) {
                return None;
            }
            intent.get("argv")?
        }
        None => request.get("argv")?,
    };
    argv.as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn parse_risk_level(text: &str) -> Option<RiskLevel> {
    match text {
        "low" => Some(RiskLevel::Low),
        "medium" => Some(RiskLevel::Medium),
        "high" => Some(RiskLevel::High),
        _ => None,
    }
}

fn risk_rank(level: RiskLevel) -> u8 {
    match level {
        RiskLevel::Low => 0,
        RiskLevel::Medium => 1,
        RiskLevel::High => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::safety::{Redactor, approval_request};
    use crate::agent::tools::GateCategory;
    use serde_json::json;

    fn request(tool: &str, category: GateCategory, args: Value) -> ApprovalRequest {
        approval_request(
            tool,
            Some(category),
            args.as_object().unwrap(),
            None,
            &Redactor::default(),
        )
    }

    fn rule(
        tool: &str,
        condition: Option<RuleCondition>,
        decision: ApprovalDecision,
    ) -> ApprovalRule {
        ApprovalRule {
            tool: tool.into(),
            condition,
            decision,
        }
    }

    use ApprovalDecision::{Approved, ApprovedForSession, Denied};

    #[test]
    fn decisions_round_trip_and_accept_studio_aliases() {
        for d in [
            Approved,
            ApprovedForSession,
            Denied,
            ApprovalDecision::Abort,
        ] {
            assert_eq!(ApprovalDecision::parse(d.as_str()), Some(d));
        }
        assert_eq!(
            ApprovalDecision::parse(" approved-session "),
            Some(ApprovedForSession)
        );
        assert_eq!(
            ApprovalDecision::parse("approved_for_sess"),
            Some(ApprovedForSession)
        );
        assert_eq!(ApprovalDecision::parse("yes"), None);
    }

    #[test]
    fn first_matching_rule_wins_and_default_applies_otherwise() {
        let ls = request(
            "shell_exec",
            GateCategory::Shell,
            json!({"argv": ["ls", "-l"]}),
        );
        let rules = [
            rule("file_write", None, Approved),
            rule(
                " shell_exec ",
                Some(RuleCondition::CommandPrefix("git".into())),
                Approved,
            ),
            rule(
                "shell_exec",
                Some(RuleCondition::MaxRisk(RiskLevel::Low)),
                ApprovedForSession,
            ),
            rule("shell_exec", None, Approved),
        ];
        assert_eq!(decide_by_rules(&rules, Denied, &ls), ApprovedForSession);
        let sudo = request(
            "shell_exec",
            GateCategory::Shell,
            json!({"argv": ["sudo", "ls"]}),
        );
        assert_eq!(decide_by_rules(&rules, Denied, &sudo), Approved);
        assert_eq!(decide_by_rules(&rules[..3], Denied, &sudo), Denied);
    }

    #[test]
    fn command_prefix_uses_allowlist_semantics_and_skips_complex_strings() {
        let cond = RuleCondition::CommandPrefix("git status".into());
        let simple = request(
            "shell_command",
            GateCategory::Shell,
            json!({"command": "git status -s"}),
        );
        let other = request(
            "shell_command",
            GateCategory::Shell,
            json!({"command": "git statusx"}),
        );
        let complex = request(
            "shell_command",
            GateCategory::Shell,
            json!({"command": "git status && rm -rf /"}),
        );
        assert!(cond.holds(&simple.request));
        assert!(!cond.holds(&other.request));
        assert!(!cond.holds(&complex.request));
    }

    #[test]
    fn field_conditions_without_the_field_do_not_match() {
        let write = request(
            "file_write",
            GateCategory::File,
            json!({"path": "notes/a.md", "content": "x"}),
        );
        let by_path = |p: &str| RuleCondition::FieldEquals {
            pointer: "/path".into(),
            value: json!(p),
        };
        assert!(by_path("notes/a.md").holds(&write.request));
        assert!(!by_path("other").holds(&write.request));
        assert!(!RuleCondition::MaxRisk(RiskLevel::High).holds(&write.request));
        assert!(!RuleCondition::CommandPrefix("x".into()).holds(&write.request));
    }
}
