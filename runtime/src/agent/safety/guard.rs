//! Guard: the reference's minimal risk rules for a command argv (spec §4.2, `P/safety/guard.py`).
//!
//! The `reason` strings are part of approval keys, so they are the reference's exact (Chinese)
//! texts, and its quirks are kept: the dangerous-name rule matches by *suffix* (`useradd` is
//! high because it ends with `dd`, `mkfs.ext4` is low), and `sh -c` unwrapping only recognizes a
//! literal `-c` argument and `env` followed by `K=V` assignments.

use serde_json::{Value, json};

use super::shlex;
use crate::text::python_strip;

/// The guard's risk levels, as written in approval requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

impl RiskLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
        }
    }
}

/// A risk level and the reference's reason text for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRisk {
    pub level: RiskLevel,
    pub reason: String,
}

impl CommandRisk {
    pub(crate) fn new(level: RiskLevel, reason: impl Into<String>) -> Self {
        CommandRisk {
            level,
            reason: reason.into(),
        }
    }

    /// `{"risk_level": …, "reason": …}`, the `risk` object of sanitized requests.
    pub fn to_json(&self) -> Value {
        json!({"risk_level": self.level.as_str(), "reason": self.reason})
    }
}

pub(crate) const REASON_EMPTY_ARGV: &str = "空 argv（无法评估）";
pub(crate) const REASON_SUDO: &str = "检测到 sudo";
pub(crate) const REASON_RM_ROOT: &str = "检测到 rm -rf 可能删除根目录";
pub(crate) const REASON_RM_HOME: &str = "检测到 rm -rf 可能删除 home 目录";
pub(crate) const REASON_DANGEROUS_PREFIX: &str = "检测到高危命令：";
pub(crate) const REASON_PERMISSION_PREFIX: &str = "检测到权限变更命令：";
pub(crate) const REASON_LOW: &str = "未命中高危模式（Phase 2 最小规则）";

const SHELLS: [&str; 4] = ["sh", "bash", "zsh", "fish"];
const DANGEROUS_NAMES: [&str; 6] = ["mkfs", "dd", "shutdown", "reboot", "halt", "poweroff"];

/// `evaluate_command_risk(argv)`: the first matching rule of spec §4.2.
pub fn evaluate_command_risk(argv: &[String]) -> CommandRisk {
    let mut unwrapped;
    let mut argv = argv;
    // `bash -c "sh -c '…'"` nests: unwrap until the innermost command (a loop, not recursion,
    // so a crafted argument cannot exhaust the stack).
    loop {
        if argv.is_empty() {
            return CommandRisk::new(RiskLevel::Medium, REASON_EMPTY_ARGV);
        }
        match unwrap_shell_wrapped_command(argv) {
            Some(nested) => {
                unwrapped = nested;
                argv = &unwrapped;
            }
            None => return evaluate_unwrapped(argv),
        }
    }
}

/// The guard as the reference's descriptors call it: an empty argv is evaluated as `[""]` (low).
pub(crate) fn evaluate_argv_or_blank(argv: &[String]) -> CommandRisk {
    if argv.is_empty() {
        evaluate_command_risk(&[String::new()])
    } else {
        evaluate_command_risk(argv)
    }
}

fn evaluate_unwrapped(argv: &[String]) -> CommandRisk {
    let cmd0 = &argv[0];
    let name = command_basename(cmd0);

    if name == "sudo" {
        return CommandRisk::new(RiskLevel::High, REASON_SUDO);
    }
    if name == "rm" {
        if let Some(reason) = rm_reason(&argv[1..]) {
            return CommandRisk::new(RiskLevel::High, reason);
        }
    }
    if DANGEROUS_NAMES.iter().any(|p| name.ends_with(p)) {
        return CommandRisk::new(RiskLevel::High, format!("{REASON_DANGEROUS_PREFIX}{cmd0}"));
    }
    if name == "systemctl"
        && argv[1..].iter().any(|t| {
            matches!(
                python_strip(t).to_lowercase().as_str(),
                "halt" | "poweroff" | "reboot"
            )
        })
    {
        return CommandRisk::new(
            RiskLevel::High,
            format!("{REASON_DANGEROUS_PREFIX}systemctl"),
        );
    }
    if matches!(name, "chmod" | "chown" | "chgrp") {
        return CommandRisk::new(
            RiskLevel::Medium,
            format!("{REASON_PERMISSION_PREFIX}{name}"),
        );
    }
    CommandRisk::new(RiskLevel::Low, REASON_LOW)
}

/// `rm` with a recursive and a force flag (in any spelling or split) and an absolute or home
/// target.
fn rm_reason(args: &[String]) -> Option<&'static str> {
    let mut recursive = false;
    let mut force = false;
    let mut targets = Vec::new();
    for token in args {
        if let Some(long) = token.strip_prefix("--") {
            recursive |= long == "recursive" || long == "dir";
            force |= long == "force";
            continue;
        }
        if let Some(flags) = token.strip_prefix('-').filter(|f| !f.is_empty()) {
            recursive |= flags.contains('r') || flags.contains('R');
            force |= flags.contains('f');
            continue;
        }
        targets.push(token);
    }
    if !(recursive && force) {
        return None;
    }
    targets.into_iter().find_map(|target| {
        let t = python_strip(target);
        if t.starts_with('/') {
            Some(REASON_RM_ROOT)
        } else if t == "~" || t.starts_with("~/") {
            Some(REASON_RM_HOME)
        } else {
            None
        }
    })
}

/// The inner argv of `[env K=V…] sh|bash|zsh|fish … -c TEXT`, split like `shlex.split` (or the
/// whole text as one word when it does not split).
fn unwrap_shell_wrapped_command(argv: &[String]) -> Option<Vec<String>> {
    let mut name = command_basename(&argv[0]);
    let mut rest = &argv[1..];
    if name == "env" {
        while let Some(first) = rest.first() {
            if first.contains('=') && !first.starts_with('-') {
                rest = &rest[1..];
            } else {
                break;
            }
        }
        let (shell, after) = rest.split_first()?;
        name = command_basename(shell);
        rest = after;
    }
    if !SHELLS.contains(&name) {
        return None;
    }
    let flag = rest.iter().position(|t| t == "-c")?;
    let text = python_strip(rest.get(flag + 1)?);
    if text.is_empty() {
        return None;
    }
    let nested = shlex::split(text).unwrap_or_else(|_| vec![text.to_string()]);
    (!nested.is_empty()).then_some(nested)
}

/// `PurePosixPath(cmd).name or cmd`: the last path component, `.` and empty components ignored.
fn command_basename(cmd: &str) -> &str {
    cmd.split('/')
        .rev()
        .find(|part| !part.is_empty() && *part != ".")
        .unwrap_or(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn risk(argv: &[&str]) -> (RiskLevel, String) {
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        let r = evaluate_command_risk(&argv);
        (r.level, r.reason)
    }

    fn high(reason: &str) -> (RiskLevel, String) {
        (RiskLevel::High, reason.to_string())
    }

    fn low() -> (RiskLevel, String) {
        (RiskLevel::Low, REASON_LOW.to_string())
    }

    #[test]
    fn empty_argv_is_medium_and_blank_argv_is_low() {
        assert_eq!(
            risk(&[]),
            (RiskLevel::Medium, REASON_EMPTY_ARGV.to_string())
        );
        assert_eq!(risk(&[""]), low());
        assert_eq!(evaluate_argv_or_blank(&[]).level, RiskLevel::Low);
    }

    #[test]
    fn sudo_by_basename() {
        assert_eq!(risk(&["/usr/bin/sudo", "ls"]), high(REASON_SUDO));
        assert_eq!(risk(&["sudo/"]), high(REASON_SUDO));
    }

    #[test]
    fn rm_needs_recursive_force_and_absolute_or_home_target() {
        assert_eq!(risk(&["rm", "-rf", "/tmp/x"]), high(REASON_RM_ROOT));
        assert_eq!(risk(&["rm", "-r", "-f", "/"]), high(REASON_RM_ROOT));
        assert_eq!(risk(&["rm", "-R", "--force", " /x"]), high(REASON_RM_ROOT));
        assert_eq!(risk(&["rm", "--dir", "-f", "~"]), high(REASON_RM_HOME));
        assert_eq!(risk(&["rm", "-fr", "x", "~/y"]), high(REASON_RM_HOME));
        assert_eq!(risk(&["rm", "-rf", "x", "~y"]), low());
        assert_eq!(risk(&["rm", "-r", "/"]), low());
        assert_eq!(risk(&["rm", "--recursive=yes", "-f", "/"]), low());
        assert_eq!(risk(&["rm", "-rf", "-", "/"]), high(REASON_RM_ROOT));
    }

    #[test]
    fn dangerous_names_match_by_suffix() {
        let dd = |s: &str| high(&format!("{REASON_DANGEROUS_PREFIX}{s}"));
        assert_eq!(risk(&["useradd", "bob"]), dd("useradd"));
        assert_eq!(risk(&["/sbin/reboot"]), dd("/sbin/reboot"));
        assert_eq!(risk(&["mkfs"]), dd("mkfs"));
        assert_eq!(risk(&["mkfs.ext4", "/dev/x"]), low());
    }

    #[test]
    fn systemctl_power_verbs() {
        let want = high(&format!("{REASON_DANGEROUS_PREFIX}systemctl"));
        assert_eq!(risk(&["systemctl", " REBOOT "]), want);
        assert_eq!(risk(&["systemctl", "status"]), low());
    }

    #[test]
    fn permission_commands_are_medium() {
        assert_eq!(
            risk(&["/bin/chown", "a", "b"]),
            (
                RiskLevel::Medium,
                format!("{REASON_PERMISSION_PREFIX}chown")
            )
        );
    }

    #[test]
    fn shell_wrappers_are_unwrapped() {
        assert_eq!(risk(&["bash", "-c", "sudo ls"]), high(REASON_SUDO));
        assert_eq!(
            risk(&["env", "A=1", "sh", "-c", "rm -rf ~/x"]),
            high(REASON_RM_HOME)
        );
        assert_eq!(
            risk(&["zsh", "-x", "-c", "sudo ls", "-c"]),
            high(REASON_SUDO)
        );
        assert_eq!(
            risk(&["sh", "-c", "sh -c 'bash -c \"sudo ls\"'"]),
            high(REASON_SUDO)
        );
        // An unsplittable text is evaluated as one word.
        assert_eq!(risk(&["sh", "-c", "sudo 'x"]), low());
    }

    #[test]
    fn wrappers_the_reference_does_not_unwrap_stay_low() {
        assert_eq!(risk(&["bash", "-lc", "sudo ls"]), low());
        assert_eq!(risk(&["env", "-i", "sh", "-c", "sudo ls"]), low());
        assert_eq!(risk(&["sh", "-c", "  "]), low());
        assert_eq!(risk(&["sh", "-c"]), low());
        assert_eq!(risk(&["env", "A=1"]), low());
    }
}
