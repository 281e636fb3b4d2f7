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
pub(crate) fn matching_prefix(argv: &[String], list: &[String]) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(mode: SafetyMode) -> SafetyConfig {
        SafetyConfig {
            mode,
            allowlist: Vec::new(),
            denylist: Vec::new(),
            tool_allowlist: Vec::new(),
            tool_denylist: Vec::new(),
            approval_timeout_ms: 60_000,
        }
    }

    fn shell(args: Value, safety: &SafetyConfig) -> GateDecision {
        let tool = if args.get("command").is_some() {
            "shell_command"
        } else {
            "shell_exec"
        };
        decide(
            tool,
            Some(GateCategory::Shell),
            args.as_object().unwrap(),
            None,
            safety,
        )
    }

    fn argv(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn rules(items: &[&str]) -> Vec<String> {
        argv(items)
    }

    #[test]
    fn prefix_with_space_matches_at_a_word_boundary_of_the_quoted_command() {
        let list = rules(&["git status"]);
        assert!(matching_prefix(&argv(&["git", "status"]), &list).is_some());
        assert!(matching_prefix(&argv(&["git", "status", "-s"]), &list).is_some());
        assert!(matching_prefix(&argv(&["git", "statusx"]), &list).is_none());
        let quoted = rules(&["echo 'a b'"]);
        assert!(matching_prefix(&argv(&["echo", "a b", "c"]), &quoted).is_some());
        assert!(matching_prefix(&argv(&["echo", "a", "b"]), &quoted).is_none());
    }

    #[test]
    fn prefix_without_space_must_equal_argv0() {
        let list = rules(&["git"]);
        assert!(matching_prefix(&argv(&["git", "push"]), &list).is_some());
        assert!(matching_prefix(&argv(&["/usr/bin/git"]), &list).is_none());
        assert!(matching_prefix(&argv(&["git-receive-pack"]), &list).is_none());
        assert!(matching_prefix(&[], &list).is_none());
    }

    #[test]
    fn blank_entries_never_match_and_entries_are_trimmed() {
        assert!(matching_prefix(&argv(&[""]), &rules(&["", "  "])).is_none());
        assert_eq!(
            matching_prefix(&argv(&["rm", "-rf", "/"]), &rules(&[" rm -rf "])),
            Some("rm -rf".to_string())
        );
    }

    #[test]
    fn denylist_wins_over_everything_with_its_rule() {
        let mut safety = config(SafetyMode::Allow);
        safety.denylist = rules(&["rm"]);
        safety.allowlist = rules(&["rm"]);
        assert_eq!(
            shell(json!({"argv": ["rm", "x"]}), &safety),
            deny("Command is denied by safety.denylist.", "rm")
        );
    }

    #[test]
    fn mode_deny_denies_shell_file_and_custom_tools() {
        let safety = config(SafetyMode::Deny);
        let args = json!({"argv": ["ls"], "sandbox_permissions": "require_escalated"});
        let args = args.as_object().unwrap();
        for (tool, category) in [
            ("shell_exec", GateCategory::Shell),
            ("my_tool", GateCategory::Custom),
        ] {
            assert_eq!(
                decide(tool, Some(category), args, None, &safety),
                deny_by_mode()
            );
        }
        // For file tools the escalation check comes first.
        assert_eq!(
            decide("file_write", Some(GateCategory::File), args, None, &safety),
            ask("sandbox")
        );
    }

    #[test]
    fn mode_allow_runs_high_risk_commands_without_approval() {
        let safety = config(SafetyMode::Allow);
        assert_eq!(
            shell(json!({"argv": ["rm", "-rf", "/"]}), &safety),
            GateDecision::Allow
        );
    }

    #[test]
    fn require_escalated_asks_even_in_allow_mode() {
        let safety = config(SafetyMode::Allow);
        let args = json!({"argv": ["ls"], "sandbox_permissions": " Require_Escalated "});
        assert_eq!(shell(args, &safety), ask("sandbox"));
        let args = json!({"path": "a", "content": "x", "sandbox_permissions": "require_escalated"});
        assert_eq!(
            decide(
                "file_write",
                Some(GateCategory::File),
                args.as_object().unwrap(),
                None,
                &safety
            ),
            ask("sandbox")
        );
    }

    #[test]
    fn allowlist_lets_complex_strings_through_as_the_reference_does() {
        let mut safety = config(SafetyMode::Ask);
        safety.allowlist = rules(&["pytest"]);
        assert_eq!(
            shell(json!({"command": "pytest && rm -rf /"}), &safety),
            GateDecision::Allow
        );
        safety.allowlist.clear();
        assert_eq!(
            shell(json!({"command": "pytest && rm -rf /"}), &safety),
            ask("risk=high")
        );
    }

    #[test]
    fn ask_mode_distinguishes_high_risk() {
        let safety = config(SafetyMode::Ask);
        assert_eq!(
            shell(json!({"argv": ["sudo", "ls"]}), &safety),
            ask("risk=high")
        );
        assert_eq!(shell(json!({"argv": ["ls"]}), &safety), ask("mode=ask"));
        assert_eq!(shell(json!({"argv": "ls"}), &safety), ask("mode=ask"));
    }

    #[test]
    fn unknown_tools_are_denied_by_descriptor() {
        let decision = decide("nope", None, &Map::new(), None, &config(SafetyMode::Allow));
        assert_eq!(
            decision,
            deny(
                "Tool is denied because safety descriptor lookup failed (fail-closed).",
                "descriptor=deny"
            )
        );
    }

    #[test]
    fn ungated_tools_are_always_allowed() {
        let decision = decide(
            "file_read",
            Some(GateCategory::None),
            &Map::new(),
            None,
            &config(SafetyMode::Deny),
        );
        assert_eq!(decision, GateDecision::Allow);
    }

    #[test]
    fn custom_tools_follow_tool_lists() {
        let mut safety = config(SafetyMode::Ask);
        safety.tool_allowlist = rules(&[" my_tool "]);
        let none = Map::new();
        let custom =
            |name: &str, s: &SafetyConfig| decide(name, Some(GateCategory::Custom), &none, None, s);
        assert_eq!(custom("my_tool", &safety), GateDecision::Allow);
        assert_eq!(custom("other", &safety), ask("mode=ask"));
        safety.tool_denylist = rules(&["my_tool"]);
        assert_eq!(
            custom(" my_tool ", &safety),
            deny("Tool is denied by safety.tool_denylist.", "tool_denylist")
        );
    }

    #[test]
    fn skill_exec_is_judged_on_the_resolved_action_argv() {
        let args = json!({"skill_mention": "$[a:b].c", "action_id": "run"});
        let args = args.as_object().unwrap();
        let mut safety = config(SafetyMode::Ask);
        safety.denylist = rules(&["sudo"]);
        let action = SkillActionIntent {
            argv: argv(&["sudo", "x"]),
            ..SkillActionIntent::default()
        };
        let decision = decide(
            "skill_exec",
            Some(GateCategory::Shell),
            args,
            Some(&action),
            &safety,
        );
        assert_eq!(
            decision,
            deny("Command is denied by safety.denylist.", "sudo")
        );
        let unresolved = decide("skill_exec", Some(GateCategory::Shell), args, None, &safety);
        assert_eq!(unresolved, ask("mode=ask"));
    }
}
