//! The gate decision for one tool call (spec §4.1, §4.4; `P/safety/gate.py`,
//! `P/safety/policy.py`): allow, ask for approval, or deny with the reference's reason and rule.
//!
//! The deny `reason` becomes the denied result's `stderr` and the `rule` its `data.reason`, so
//! both are the reference's exact strings.

use serde_json::{Map, Value};

use super::guard::RiskLevel;
use super::sanitize::{SkillActionIntent, shell_argv_and_risk};
use super::shlex;
use crate::agent::config::{SafetyConfig, SafetyMode};
use crate::agent::tools::GateCategory;
use crate::text::python_strip;

/// What the gate does with a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateDecision {
    /// Run it without asking.
    Allow,
    /// Do not run it: the result is `ok:false, stderr:<reason>, data:{tool, reason:<rule>},
    /// error_kind:"permission"`. Policy denials do not count toward the repeated-denial guard.
    Deny { reason: String, rule: String },
    /// Ask the approval provider first; `rule` says why (`mode=ask`, `risk=high`, `sandbox`).
    Ask { rule: String },
}

/// Decides on one call.
///
/// - `category`: the tool's gate category, `None` when no tool of that name is registered
///   (denied with rule `descriptor=deny`).
/// - `skill_action`: for `skill_exec`, what the action resolves to; its argv is what the guard
///   and the allow/deny lists judge.
pub fn decide(
    tool: &str,
    category: Option<GateCategory>,
    args: &Map<String, Value>,
    skill_action: Option<&SkillActionIntent>,
    safety: &SafetyConfig,
) -> GateDecision {
    let Some(category) = category else {
        return deny(
            "Tool is denied because safety descriptor lookup failed (fail-closed).",
            "descriptor=deny",
        );
    };
    let escalated = requires_escalation(args);
    match category {
        GateCategory::None => GateDecision::Allow,
        GateCategory::Shell => {
            let (argv, risk) = shell_argv_and_risk(tool, args, skill_action);
            if let Some(rule) = matching_prefix(&argv, &safety.denylist) {
                return deny("Command is denied by safety.denylist.", &rule);
            }
            if safety.mode == SafetyMode::Deny {
                return deny_by_mode();
            }
            if escalated {
                return ask("sandbox");
            }
            // Before the complexity check: `pytest && rm -rf /` is allowed by `pytest` (quirk).
            if matching_prefix(&argv, &safety.allowlist).is_some()
                || safety.mode == SafetyMode::Allow
            {
                return GateDecision::Allow;
            }
            if risk.level == RiskLevel::High {
                ask("risk=high")
            } else {
                ask("mode=ask")
            }
        }
        GateCategory::File => {
            if escalated {
                return ask("sandbox");
            }
            match safety.mode {
                SafetyMode::Deny => deny_by_mode(),
                SafetyMode::Allow => GateDecision::Allow,
                SafetyMode::Ask => ask("mode=ask"),
            }
        }
        GateCategory::Custom => {
            let name = python_strip(tool);
            if !name.is_empty() && in_tool_list(name, &safety.tool_denylist) {
                return deny("Tool is denied by safety.tool_denylist.", "tool_denylist");
            }
            match safety.mode {
                SafetyMode::Deny => deny_by_mode(),
                SafetyMode::Allow => GateDecision::Allow,
                SafetyMode::Ask
                    if !name.is_empty() && in_tool_list(name, &safety.tool_allowlist) =>
                {
                    GateDecision::Allow
                }
                SafetyMode::Ask => ask("mode=ask"),
            }
        }
    }
}

fn deny(reason: &str, rule: &str) -> GateDecision {
    GateDecision::Deny {
        reason: reason.to_string(),
        rule: rule.to_string(),
    }
}

fn deny_by_mode() -> GateDecision {
    deny("Tool is denied by safety.mode=deny.", "mode=deny")
}

fn ask(rule: &str) -> GateDecision {
    GateDecision::Ask {
        rule: rule.to_string(),
    }
}

/// The call's `sandbox_permissions`, trimmed and lowercased, is `require_escalated`.
fn requires_escalation(args: &Map<String, Value>) -> bool {
    args.get("sandbox_permissions")
        .and_then(Value::as_str)
        .is_some_and(|s| python_strip(s).to_lowercase() == "require_escalated")
}

fn in_tool_list(name: &str, list: &[String]) -> bool {
    list.iter().any(|entry| python_strip(entry) == name)
}

/// The first list entry (trimmed) that matches the argv: an entry with a space matches the
/// `shlex.join`ed argv exactly or as a prefix ending at a space (`git status` matches
/// `git status -s`, not `git statusx`); an entry without a space must equal `argv[0]` (`git`
/// does not match `/usr/bin/git`).
pub fn matching_prefix(argv: &[String], list: &[String]) -> Option<String> {
    let joined = shlex::join(argv);
    let cmd0 = argv.first().map(String::as_str).unwrap_or("");
    list.iter()
        .map(|entry| python_strip(entry))
        .filter(|entry| !entry.is_empty())
        .find(|entry| {
            if entry.contains(' ') {
                joined == *entry
                    || joined
                        .strip_prefix(*entry)
                        .is_some_and(|rest| rest.starts_with(' '))
            } else {
                cmd0 == *entry
            }
        })
        .map(str::to_string)
}
