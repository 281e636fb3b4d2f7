//! Findings as the CLI and the server report them: a rule, a located range, a message that
//! says what the runtime will do, and optionally related locations and a fix.

use std::path::PathBuf;

use serde::Serialize;

use crate::rules::Rule;
use crate::text::{LineIndex, SourceRange, TextRange};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "error" => Some(Self::Error),
            "warning" | "warn" => Some(Self::Warning),
            "info" | "hint" => Some(Self::Info),
            _ => None,
        }
    }
}

/// Another place that belongs to a finding (e.g. the other side of a duplicate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub path: PathBuf,
    pub range: SourceRange,
    pub message: String,
}

/// A text replacement within the diagnostic's own file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: TextRange,
    pub new_text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub path: PathBuf,
    pub range: SourceRange,
    pub message: String,
    /// How to fix it, in a sentence.
    pub help: Option<String>,
    pub related: Vec<Related>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    pub fn code(&self) -> &'static str {
        self.rule.code
    }

    /// A finding at the rule's default severity, without help, fix or related locations.
    pub fn new(
        rule: &'static Rule,
        path: PathBuf,
        range: SourceRange,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            rule,
            severity: rule.severity,
            path,
            range,
            message: message.into(),
            help: None,
            related: Vec::new(),
            fix: None,
        }
    }
}

/// `path` relative to `root` when inside it (with `/` separators), else as given: how paths
/// appear inside messages.
pub fn shown_path(path: &std::path::Path, root: &std::path::Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Builds located diagnostics for one file while its text is at hand.
pub struct FileSink<'a> {
    pub path: PathBuf,
    pub text: &'a [u8],
    pub lines: LineIndex,
    pub out: Vec<Diagnostic>,
}

impl<'a> FileSink<'a> {
    pub fn new(path: PathBuf, text: &'a [u8]) -> Self {
        Self {
            path,
            text,
            lines: LineIndex::new(text),
            out: Vec::new(),
        }
    }

    pub fn locate(&self, range: TextRange) -> SourceRange {
        self.lines.source_range(self.text, range)
    }

    /// Records a finding and returns it for decoration (help, fix, related).
    pub fn emit(
        &mut self,
        rule: &'static Rule,
        range: TextRange,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let d = Diagnostic::new(rule, self.path.clone(), self.locate(range), message);
        self.out.push(d);
        self.out.last_mut().expect("just pushed")
    }
}

impl Diagnostic {
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }
    pub fn fix(&mut self, title: impl Into<String>, edits: Vec<Edit>) -> &mut Self {
        self.fix = Some(Fix {
            title: title.into(),
            edits,
        });
        self
    }
    pub fn related(&mut self, related: Related) -> &mut Self {
        self.related.push(related);
        self
    }
}
