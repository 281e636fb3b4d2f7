//! The lint rules: each has a stable code, a default severity, an explanation (what
//! `skills-lsp --explain CODE` prints) and the runtime consequence it guards against.
//!
//! Families: `SK1xx` SKILL.md frontmatter (the runtime's accept/reject), `SK2xx` skill bundle
//! contents, `SK3xx` mentions, `SK4xx` `runtime.yaml` config, `SK5xx` the skill index,
//! `SK6xx` the open Agent Skills spec (profile `agentskills` only).

pub mod agentskills;
pub mod bundle;
pub mod config;
pub mod frontmatter;
pub mod index;
pub mod mentions;

use crate::diagnostic::Severity;

/// Which profile enables a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// The reference runtime's verdicts and surprises (default; also on under `agentskills`).
    Runtime,
    /// The open Agent Skills specification.
    AgentSkills,
}

impl Profile {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "runtime" => Some(Self::Runtime),
            "agentskills" | "agent-skills" => Some(Self::AgentSkills),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Runtime => "runtime",
            Self::AgentSkills => "agentskills",
        }
    }
    /// Whether a rule of profile `rule` runs under this profile.
    pub fn enables(self, rule: Profile) -> bool {
        rule == Profile::Runtime || self == rule
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub code: &'static str,
    /// kebab-case name, usable wherever a code is.
    pub name: &'static str,
    pub severity: Severity,
    pub profile: Profile,
    /// One line: what the rule reports.
    pub summary: &'static str,
    /// One paragraph: why it matters and how to fix it.
    pub explanation: &'static str,
    /// What the reference runtime does with such a file.
    pub runtime: &'static str,
    /// The reference's own issue code for this failure, when it has one.
    pub runtime_code: Option<&'static str>,
}

/// Declares a rule as a `pub static`.
macro_rules! rule {
    ($ident:ident {
        code: $code:literal,
        name: $name:literal,
        severity: $sev:ident,
        $(profile: $profile:ident,)?
        summary: $summary:expr,
        explanation: $explanation:expr,
        runtime: $runtime:expr,
        $(runtime_code: $rc:literal,)?
    }) => {
        pub static $ident: $crate::rules::Rule = $crate::rules::Rule {
            code: $code,
            name: $name,
            severity: $crate::diagnostic::Severity::$sev,
            profile: rule!(@profile $($profile)?),
            summary: $summary,
            explanation: $explanation,
            runtime: $runtime,
            runtime_code: rule!(@rc $($rc)?),
        };
    };
    (@profile) => { $crate::rules::Profile::Runtime };
    (@profile $p:ident) => { $crate::rules::Profile::$p };
    (@rc) => { None };
    (@rc $rc:literal) => { Some($rc) };
}
pub(crate) use rule;

/// Every rule, in code order.
pub fn all() -> Vec<&'static Rule> {
    let mut rules: Vec<&'static Rule> = [
        frontmatter::RULES,
        bundle::RULES,
        mentions::RULES,
        config::RULES,
        index::RULES,
        agentskills::RULES,
    ]
    .concat();
    rules.sort_by_key(|r| r.code);
    rules
}

/// Looks a rule up by code (`SK101`, case-insensitive) or name (`frontmatter-missing`).
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    all()
        .into_iter()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

/// The documentation page a rule's `codeDescription` points at.
pub fn doc_url(rule: &Rule) -> String {
    format!(
        "https://github.com/skills-lsp/skills-lsp/blob/main/docs/rules.md#{}",
        rule.code.to_ascii_lowercase()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let rules = all();
        let mut codes = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for r in &rules {
            assert!(codes.insert(r.code), "duplicate code {}", r.code);
            assert!(names.insert(r.name), "duplicate name {}", r.name);
            assert!(r.code.len() == 5 && r.code.starts_with("SK"), "{}", r.code);
            assert!(!r.explanation.is_empty() && !r.runtime.is_empty());
        }
    }
}
