//! Output formats for `--check`: human, JSON, GitHub annotations, SARIF.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use std::path::{Path, PathBuf};

use skills_runtime::diagnostic::{Diagnostic, Severity};

/// Everything a renderer needs.
pub struct Report {
    /// Paths print relative to this directory.
    pub root: PathBuf,
    pub files: usize,
    pub skills: usize,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// A path relative to the root, with `/` separators.
    pub fn display_path(&self, p: &Path) -> String {
        let rel = p.strip_prefix(&self.root).unwrap_or(p);
        let s = rel.to_string_lossy().replace('\\', "/");
        if s.is_empty() { ".".into() } else { s }
    }
}
