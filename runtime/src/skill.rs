//! A SKILL.md file as the runtime reads it: frontmatter split, YAML load with PyYAML
//! semantics, and the accept/reject verdict of `load_skill_metadata_from_path` (spec §1.2–1.6),
//! with the source range of every field involved.

use crate::frontmatter::{self, Frontmatter, FrontmatterError, InvalidUtf8};
use crate::text::{TextRange, is_python_space, python_strip};
use crate::yaml::{self, LoadProblem, NodeId, ScalarKind, YamlDoc, YamlError};

/// `skills.scan.max_frontmatter_bytes` default.
pub const DEFAULT_MAX_FRONTMATTER_BYTES: usize = 65536;

/// Why the runtime rejects a SKILL.md (`details.reason` of `SKILL_SCAN_METADATA_INVALID`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rejection {
    FrontmatterMissing,
    FrontmatterUnterminated,
    FrontmatterTooLarge,
    MissingName,
    MissingDescription,
    NameWhitespace,
    InvalidSlug,
}

impl Rejection {
    /// The exact upstream `details.reason` string.
    pub fn reason(self) -> &'static str {
        match self {
            Self::FrontmatterMissing => "frontmatter_missing",
            Self::FrontmatterUnterminated => "frontmatter_unterminated",
            Self::FrontmatterTooLarge => "frontmatter_too_large",
            Self::MissingName => "frontmatter 缺少必填字段 name",
            Self::MissingDescription => "frontmatter 缺少必填字段 description",
            Self::NameWhitespace => "frontmatter 字段 name 非法（不得包含空白）",
            Self::InvalidSlug => "invalid_skill_name_slug",
        }
    }
}

/// Why the runtime's whole scan fails on this file (`CLI_SCAN_FAILED`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanCrash {
    /// `UnicodeDecodeError` while streaming the frontmatter.
    InvalidUtf8 { offset: usize },
    /// A non-YAML exception from PyYAML's constructor (or `RecursionError`).
    Constructor(YamlError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    Rejected(Rejection),
    Crash(ScanCrash),
}

/// A frontmatter field with its locations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub key: TextRange,
    pub value: TextRange,
    pub node: NodeId,
    /// What PyYAML makes of the value.
    pub kind: ScalarKind,
    /// The scalar's text, whatever type it resolves to (`None` for collections).
    pub raw: Option<String>,
}

impl Field {
    pub fn as_str(&self) -> Option<&str> {
        if self.kind == ScalarKind::Str {
            self.raw.as_deref()
        } else {
            None
        }
    }
}

#[derive(Debug, Clone)]
pub struct SkillDocument {
    pub frontmatter: Result<Frontmatter, FrontmatterError>,
    pub invalid_utf8: Option<InvalidUtf8>,
    /// The YAML, when the frontmatter was found and parsed.
    pub yaml: Option<YamlDoc>,
    /// Why PyYAML would fail to load the frontmatter, if it would.
    pub load_problem: Option<LoadProblem>,
    /// The frontmatter is valid YAML but not a non-empty mapping.
    pub not_a_mapping: Option<ScalarKind>,
    pub name: Option<Field>,
    pub description: Option<Field>,
    pub verdict: Verdict,
    /// The skill name the runtime indexes (trimmed), when accepted.
    pub skill_name: Option<String>,
    /// The description after whitespace collapsing, when accepted.
    pub skill_description: Option<String>,
}

impl SkillDocument {
    pub fn parse(text: &[u8], max_frontmatter_bytes: usize) -> Self {
        let split = frontmatter::split(text, max_frontmatter_bytes);
        let mut doc = SkillDocument {
            frontmatter: split.result,
            invalid_utf8: split.invalid_utf8,
            yaml: None,
            load_problem: None,
            not_a_mapping: None,
            name: None,
            description: None,
            verdict: Verdict::Accepted,
            skill_name: None,
            skill_description: None,
        };
        let crash_utf8 = doc.invalid_utf8.filter(|u| u.during_scan);
        let fm = match &doc.frontmatter {
            Ok(fm) => fm.clone(),
            Err(e) => {
                doc.verdict = match crash_utf8 {
                    Some(u) => Verdict::Crash(ScanCrash::InvalidUtf8 { offset: u.offset }),
                    None => Verdict::Rejected(match e {
                        FrontmatterError::Empty | FrontmatterError::Missing { .. } => {
                            Rejection::FrontmatterMissing
                        }
                        FrontmatterError::Unterminated { .. } => Rejection::FrontmatterUnterminated,
                        FrontmatterError::TooLarge { .. } => Rejection::FrontmatterTooLarge,
                    }),
                };
                return doc;
            }
        };
        if let Some(u) = crash_utf8 {
            doc.verdict = Verdict::Crash(ScanCrash::InvalidUtf8 { offset: u.offset });
            return doc;
        }
        let yaml_text = String::from_utf8_lossy(&text[fm.yaml.start..fm.yaml.end]);
        match yaml::parse(&yaml_text, fm.yaml.start) {
            Ok(y) => {
                doc.load_problem = y.check_construct().err();
                doc.yaml = Some(y);
            }
            Err(p) => doc.load_problem = Some(p),
        }
        if let Some(LoadProblem::Crash(e)) = &doc.load_problem {
            doc.verdict = Verdict::Crash(ScanCrash::Constructor(e.clone()));
            return doc;
        }
        doc.read_fields();
        doc.verdict = doc.decide();
        doc
    }

    /// The frontmatter mapping the runtime sees (fail-open: `None` when it sees `{}`).
    pub fn mapping(&self) -> Option<NodeId> {
        if self.load_problem.is_some() {
            return None;
        }
        let y = self.yaml.as_ref()?;
        let root = y.root()?;
        y.is_map(root).then_some(root)
    }

    /// A top-level frontmatter field, as the runtime would read it.
    pub fn field(&self, key: &str) -> Option<Field> {
        let y = self.yaml.as_ref()?;
        let map = self.mapping()?;
        let entry = y.get(map, key)?;
        let value = y.target(entry.value);
        Some(Field {
            key: y.span(entry.key),
            value: y.span(entry.value),
            node: value,
            kind: y.kind(value),
            raw: y.scalar_text(value).map(str::to_owned),
        })
    }

    fn read_fields(&mut self) {
        if self.load_problem.is_none() {
            if let Some(y) = &self.yaml {
                match y.root() {
                    None => self.not_a_mapping = Some(ScalarKind::Null),
                    Some(root) if !y.is_map(root) => self.not_a_mapping = Some(y.kind(root)),
                    Some(_) => {}
                }
            }
        }
        self.name = self.field("name");
        self.description = self.field("description");
    }

    fn decide(&mut self) -> Verdict {
        let Some(name) = self
            .name
            .as_ref()
            .and_then(Field::as_str)
            .filter(|s| !s.is_empty())
        else {
            return Verdict::Rejected(Rejection::MissingName);
        };
        let Some(desc) = self
            .description
            .as_ref()
            .and_then(Field::as_str)
            .filter(|s| !s.is_empty())
        else {
            return Verdict::Rejected(Rejection::MissingDescription);
        };
        let trimmed = python_strip(name);
        if trimmed.is_empty() || trimmed.chars().any(is_python_space) {
            return Verdict::Rejected(Rejection::NameWhitespace);
        }
        let collapsed = collapse_whitespace(desc);
        if !crate::mentions::is_valid_skill_name(trimmed) {
            return Verdict::Rejected(Rejection::InvalidSlug);
        }
        self.skill_name = Some(trimmed.to_owned());
        self.skill_description = Some(collapsed);
        Verdict::Accepted
    }

    pub fn body_start(&self) -> Option<usize> {
        self.frontmatter.as_ref().ok().map(|f| f.body_start)
    }
}

/// Python's `" ".join(s.split())`.
pub fn collapse_whitespace(s: &str) -> String {
    s.split(is_python_space)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Turns any text into the closest valid skill name, if one exists.
pub fn slugify(s: &str) -> Option<String> {
    let mut out = String::new();
    for c in s.trim().chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches(['-', '_']);
    let out: String = out.chars().take(crate::mentions::MAX_TOKEN_LEN).collect();
    let out = out.trim_end_matches(['-', '_']).to_owned();
    crate::mentions::is_valid_skill_name(&out).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(text: &str) -> Verdict {
        SkillDocument::parse(text.as_bytes(), DEFAULT_MAX_FRONTMATTER_BYTES).verdict
    }

    #[test]
    fn verdicts_follow_the_runtime() {
        assert_eq!(
            verdict("---\nname: demo\ndescription: d\n---\n"),
            Verdict::Accepted
        );
        assert_eq!(
            verdict("---\nname: yes\ndescription: d\n---\n"),
            Verdict::Rejected(Rejection::MissingName)
        );
        assert_eq!(
            verdict("---\nname: \"  demo  \"\ndescription: d\n---\n"),
            Verdict::Accepted
        );
        assert_eq!(
            verdict("---\nname: demo skill\ndescription: d\n---\n"),
            Verdict::Rejected(Rejection::NameWhitespace)
        );
        assert_eq!(
            verdict("---\nname: \"   \"\ndescription: d\n---\n"),
            Verdict::Rejected(Rejection::NameWhitespace)
        );
        assert_eq!(
            verdict("---\nname: demo\ndescription: \"  \"\n---\n"),
            Verdict::Accepted
        );
        assert_eq!(
            verdict("---\nname: demo\ndescription: 42\n---\n"),
            Verdict::Rejected(Rejection::MissingDescription)
        );
        assert_eq!(
            verdict("---\nname: [demo\n---\n"),
            Verdict::Rejected(Rejection::MissingName)
        );
        assert_eq!(
            verdict("---\n- a\n---\n"),
            Verdict::Rejected(Rejection::MissingName)
        );
        assert_eq!(
            verdict("---\nname: a_\ndescription: d\n---\n"),
            Verdict::Rejected(Rejection::InvalidSlug)
        );
        assert!(matches!(
            verdict("---\nname: 2024-13-45\ndescription: d\n---\n"),
            Verdict::Crash(_)
        ));
    }

    #[test]
    fn slugify_makes_valid_names() {
        assert_eq!(slugify("Demo Skill!").as_deref(), Some("demo-skill"));
        assert_eq!(slugify("a"), None);
    }
}
