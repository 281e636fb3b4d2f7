//! SK3xx — mentions `$[namespace].skill`: resolution against the index exactly as
//! `resolve_mentions` does (spec §2.4), and text that looks like a mention but is not one.

use super::{Rule, rule};
use crate::diagnostic::{Diagnostic, Edit, FileSink, Related};
use crate::mentions::{NearMiss, near_misses};
use crate::text::SourceRange;

pub static RULES: &[&Rule] = &[
    &UNKNOWN_SKILL,
    &NAMESPACE_NOT_CONFIGURED,
    &NEAR_MISS_IGNORED,
    &NEAR_MISS_TRUNCATED,
    &RESOLUTION_BLOCKED,
];

rule!(UNKNOWN_SKILL {
    code: "SK301",
    name: "unknown-skill",
    severity: Warning,
    summary: "A mention names a skill that is not in its namespace",
    explanation: "The namespace is configured, but no skill of that name is in the index — a typo, a renamed skill, or a skill that exists but is rejected by the scan. In a task, the runtime's `resolve_mentions` raises `SKILL_UNKNOWN`; the agent loop catches it and injects no skills at all (spec §6), and `skill_exec`/`skill_ref_read` fail. Fix: use the suggested name, or create the skill.",
    runtime: "`SKILL_UNKNOWN`: the mention resolves to nothing and, in a task, no skill is injected.",
    runtime_code: "SKILL_UNKNOWN",
});

rule!(NAMESPACE_NOT_CONFIGURED {
    code: "SK302",
    name: "namespace-not-configured",
    severity: Warning,
    summary: "A mention's namespace is not an enabled space",
    explanation: "Mentions resolve only in namespaces of enabled `skills.spaces`. A namespace with no space, a disabled space, or a workspace with no spaces or sources at all gives `SKILL_SPACE_NOT_CONFIGURED`. Namespaces are order-sensitive (`a0:b1` is not `b1:a0`). Fix: correct the namespace or add/enable the space in `config/runtime.yaml`.",
    runtime: "`SKILL_SPACE_NOT_CONFIGURED`: the mention resolves to nothing.",
    runtime_code: "SKILL_SPACE_NOT_CONFIGURED",
});

rule!(NEAR_MISS_IGNORED {
    code: "SK303",
    name: "near-miss-ignored",
    severity: Warning,
    summary: "Text that looks like a mention but that the runtime ignores",
    explanation: "The runtime extracts mentions with a strict pattern and silently ignores anything else: uppercase letters, one-character or over-64-character segments or names, more than 7 segments, `_` in a namespace, whitespace in `$ [` or `] .`, or a `]` right after the name. Nothing is injected and no error is raised. Fix: write the mention as suggested. To write a mention-like text on purpose, escape it as `$[ns]\\.name` (documented by the runtime and never reported).",
    runtime: "Silently ignored: not extracted, not resolved, not injected.",
});

rule!(NEAR_MISS_TRUNCATED {
    code: "SK304",
    name: "near-miss-truncated",
    severity: Warning,
    summary: "The runtime reads a shorter mention than the text shows",
    explanation: "The runtime's pattern has no right boundary: it takes the longest valid name and ignores what follows. `$[web].pyThon` is read as `py`, `$[web].ab-` as `ab`, and a 70-character name as its first 64 characters — usually a different (unknown) skill. Fix: write the full name in lowercase, 64 characters at most, ending in a letter or digit.",
    runtime: "Extracts the shorter token shown in the message.",
});

rule!(RESOLUTION_BLOCKED {
    code: "SK305",
    name: "resolution-blocked",
    severity: Warning,
    summary: "A scan error makes the runtime refuse every mention",
    explanation: "`resolve_mentions` first checks the scan report: if any skill file is invalid (`SKILL_SCAN_METADATA_INVALID`), a source is unavailable (`SKILL_SCAN_SOURCE_UNAVAILABLE`), a name is duplicated, or the scan crashed, it raises that error for every mention — even mentions of healthy skills. Reported once per workspace, at the error that causes it, with the first affected mentions as related locations. Fix that error first.",
    runtime: "Every mention resolution fails with the first scan error.",
    runtime_code: "SKILL_SCAN_METADATA_INVALID",
});

/// Emits SK303/SK304 for mention-like text in a file.
pub fn check_near_misses(sink: &mut FileSink) {
    for miss in near_misses(sink.text) {
        emit_near_miss(sink, &miss);
    }
}

fn emit_near_miss(sink: &mut FileSink, miss: &NearMiss) {
    let shown = String::from_utf8_lossy(&sink.text[miss.range.start..miss.range.end]).into_owned();
    let (rule, message) = match &miss.extracted {
        Some(m) => (
            &NEAR_MISS_TRUNCATED,
            format!(
                "`{shown}` has {}: the runtime reads it as `{}`",
                miss.kind.describe(),
                m.text()
            ),
        ),
        None => (
            &NEAR_MISS_IGNORED,
            format!(
                "`{shown}` looks like a mention but has {}: the runtime ignores it",
                miss.kind.describe()
            ),
        ),
    };
    let d = sink.emit(rule, miss.range, message);
    if let Some(s) = &miss.suggestion {
        d.help(format!("write `{s}`"));
        d.fix(
            format!("Change to `{s}`"),
            vec![Edit {
                range: miss.range,
                new_text: s.clone(),
            }],
        );
    }
}

/// What the index says about a mention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Resolved,
    /// No enabled space or no source at all.
    NothingConfigured,
    /// The namespace is not an enabled space; `disabled` names a disabled space with it.
    NamespaceNotConfigured {
        disabled: Option<String>,
        suggestion: Option<String>,
    },
    /// The name is not in the namespace; a suggestion and whether a rejected file has it.
    Unknown {
        suggestion: Option<String>,
        rejected: Option<(String, String)>,
    },
}

/// Diagnostic for a mention that does not resolve.
pub fn unresolved(
    path: &std::path::Path,
    range: SourceRange,
    mention: &str,
    namespace: &str,
    res: &Resolution,
) -> Option<Diagnostic> {
    let (rule, message, help) = match res {
        Resolution::Resolved => return None,
        Resolution::NothingConfigured => (
            &NAMESPACE_NOT_CONFIGURED,
            format!(
                "`{mention}` cannot resolve: no enabled skills space with a source is configured (SKILL_SPACE_NOT_CONFIGURED)"
            ),
            Some(
                "configure `skills.spaces` and `skills.sources` in config/runtime.yaml".to_string(),
            ),
        ),
        Resolution::NamespaceNotConfigured {
            disabled: Some(space),
            ..
        } => (
            &NAMESPACE_NOT_CONFIGURED,
            format!(
                "`{mention}`: namespace `{namespace}` belongs to space `{space}`, which is disabled (SKILL_SPACE_NOT_CONFIGURED)"
            ),
            Some(format!("enable space `{space}` in config/runtime.yaml")),
        ),
        Resolution::NamespaceNotConfigured {
            disabled: None,
            suggestion,
        } => (
            &NAMESPACE_NOT_CONFIGURED,
            format!(
                "`{mention}`: no enabled space has namespace `{namespace}` (SKILL_SPACE_NOT_CONFIGURED)"
            ),
            suggestion.as_ref().map(|s| format!("did you mean `{s}`?")),
        ),
        Resolution::Unknown {
            suggestion,
            rejected,
        } => {
            let mut msg = format!(
                "`{mention}`: no skill of that name in namespace `{namespace}` (SKILL_UNKNOWN)"
            );
            if let Some((p, reason)) = rejected {
                msg.push_str(&format!(
                    "; {p} declares it but the runtime rejects that file ({reason})"
                ));
            }
            (
                &UNKNOWN_SKILL,
                msg,
                suggestion.as_ref().map(|s| format!("did you mean `{s}`?")),
            )
        }
    };
    let mut d = Diagnostic::new(rule, path.to_path_buf(), range, message);
    d.help = help;
    Some(d)
}

/// The warning for scan errors that block all resolution, placed at their cause.
pub fn blocked(
    path: &std::path::Path,
    range: SourceRange,
    message: &str,
    related: Vec<Related>,
) -> Diagnostic {
    let mut d = Diagnostic::new(&RESOLUTION_BLOCKED, path.to_path_buf(), range, message);
    d.help("fix this error first: until then no mention resolves");
    d.related = related;
    d
}
