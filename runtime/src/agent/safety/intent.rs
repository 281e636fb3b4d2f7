//! Shell-string intent (spec §4.3, `parse_shellish_command_to_argv`): what `shell_command` and
//! `exec_command` would run, as an argv for the guard and the allow/deny lists, and whether the
//! string uses shell syntax the argv cannot represent ("complex": always high risk).

use serde_json::{Value, json};

use super::guard::{CommandRisk, RiskLevel, evaluate_argv_or_blank};
use super::shlex;
use crate::text::python_strip;

/// The parsed intent of a shell string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellIntent {
    pub argv: Vec<String>,
    pub is_complex: bool,
    /// `parsed`, or why the string is complex (`control token detected: |`, …).
    pub reason: String,
}

impl ShellIntent {
    /// The guard's verdict: complex strings are high risk with the parse reason; simple ones go
    /// through the guard (an empty argv as `[""]`).
    pub fn risk(&self) -> CommandRisk {
        if self.is_complex {
            CommandRisk::new(RiskLevel::High, self.reason.clone())
        } else {
            evaluate_argv_or_blank(&self.argv)
        }
    }

    /// `{"argv": …, "is_complex": …, "reason": …}`, the `intent` object of sanitized requests.
    pub fn to_json(&self) -> Value {
        json!({"argv": self.argv, "is_complex": self.is_complex, "reason": self.reason})
    }
}

const CONTROL_TOKENS: [&str; 6] = ["&&", "||", ";", "|", "|&", "&"];

/// Parses a shell string the way the reference does. The descriptors pass the command already
/// trimmed with `str.strip()`; this function does not trim the argv it returns.
pub fn parse_shell_intent(command: &str) -> ShellIntent {
    let complex = |argv: Vec<String>, reason: String| ShellIntent {
        argv,
        is_complex: true,
        reason,
    };
    if python_strip(command).is_empty() {
        return complex(Vec::new(), "empty command".into());
    }
    if command.contains('\n') || command.contains('`') || command.contains("$(") {
        return complex(Vec::new(), "shell metacharacters detected".into());
    }
    let Ok(argv) = shlex::split(command) else {
        return complex(Vec::new(), "shlex split failed".into());
    };
    if argv.is_empty() {
        return complex(Vec::new(), "empty argv after parse".into());
    }
    for token in &argv {
        if CONTROL_TOKENS.contains(&token.as_str()) {
            let reason = format!("control token detected: {token}");
            return complex(argv, reason);
        }
        if token.starts_with('>') || token.starts_with('<') {
            return complex(argv, "redirection token detected".into());
        }
    }
    ShellIntent {
        argv,
        is_complex: false,
        reason: "parsed".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent(s: &str) -> (Vec<String>, bool, String) {
        let i = parse_shell_intent(s);
        (i.argv, i.is_complex, i.reason)
    }

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn simple_commands_parse() {
        assert_eq!(
            intent("pytest -q 'a b'"),
            (v(&["pytest", "-q", "a b"]), false, "parsed".into())
        );
    }

    #[test]
    fn empty_and_metacharacter_strings_are_complex() {
        assert_eq!(intent(" \u{a0}"), (v(&[]), true, "empty command".into()));
        for s in ["a\nb", "echo `id`", "echo $(id)"] {
            assert_eq!(intent(s).2, "shell metacharacters detected");
        }
        assert_eq!(
            intent("echo 'x"),
            (v(&[]), true, "shlex split failed".into())
        );
        assert_eq!(intent("\u{b}"), (v(&[]), true, "empty command".into()));
    }

    #[test]
    fn control_and_redirection_tokens_are_complex() {
        assert_eq!(
            intent("ls | wc -l"),
            (
                v(&["ls", "|", "wc", "-l"]),
                true,
                "control token detected: |".into()
            )
        );
        assert_eq!(intent("a && b").2, "control token detected: &&");
        assert_eq!(intent("a >out").2, "redirection token detected");
        assert_eq!(intent("a 2>out").2, "parsed");
        assert_eq!(intent("a;b").2, "parsed");
        assert_eq!(intent("a ';'").2, "control token detected: ;");
    }

    #[test]
    fn complex_intents_are_high_risk_with_the_parse_reason() {
        let r = parse_shell_intent("pytest && rm -rf /").risk();
        assert_eq!(r.level, RiskLevel::High);
        assert_eq!(r.reason, "control token detected: &&");
        assert_eq!(parse_shell_intent("ls").risk().level, RiskLevel::Low);
    }
}
