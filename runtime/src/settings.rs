//! `skills-lsp.toml` at a workspace root: our own settings (runtime.yaml rejects unknown keys,
//! so they cannot live there).
//!
//! ```toml
//! profile = "runtime"                 # or "agentskills"
//! include = ["docs/**/*.md"]          # extra files checked for mentions
//! exclude = ["skills/broken-examples/**"]
//!
//! [rules]                             # severity per code or name: error | warning | info | off
//! SK301 = "error"
//! near-miss-ignored = "off"
//!
//! [per-file-ignores]                  # glob (relative to the workspace root) -> codes
//! "drafts/**" = ["SK301", "SK302"]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{self, Profile};

pub const FILE_NAME: &str = "skills-lsp.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSettings {
    profile: Option<String>,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    rules: BTreeMap<String, String>,
    #[serde(default)]
    per_file_ignores: BTreeMap<String, Vec<String>>,
}

/// A rule's configured level: a severity, or off.
pub type Level = Option<Severity>;

#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub profile: Option<Profile>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// Rule code -> level.
    pub rules: BTreeMap<&'static str, Level>,
    pub per_file_ignores: Vec<(String, Vec<&'static str>)>,
    include_set: Option<GlobSet>,
    exclude_set: Option<GlobSet>,
    ignore_sets: Vec<(GlobSet, Vec<&'static str>)>,
}

/// A problem in `skills-lsp.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    pub path: PathBuf,
    pub message: String,
    /// Byte range in the file, when known.
    pub range: Option<std::ops::Range<usize>>,
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

pub fn parse_level(s: &str) -> Option<Level> {
    match s {
        "off" | "ignore" | "none" => Some(None),
        other => Severity::parse(other).map(Some),
    }
}

fn globset(patterns: &[String]) -> Result<Option<GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|e| format!("invalid glob `{p}`: {e}"))?);
    }
    b.build().map(Some).map_err(|e| e.to_string())
}

impl Settings {
    /// Reads `skills-lsp.toml` from `root`, if present.
    pub fn load(root: &Path) -> Result<Settings, SettingsError> {
        let path = root.join(FILE_NAME);
        // Only a regular file is read: opening a FIFO would block.
        if std::fs::metadata(&path).is_ok_and(|m| !m.is_file()) {
            return Err(SettingsError {
                path,
                message: "not a regular file".into(),
                range: None,
            });
        }
        match std::fs::read_to_string(&path) {
            Ok(text) => Settings::parse(&text).map_err(|(message, range)| SettingsError {
                path,
                message,
                range,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(SettingsError {
                path,
                message: e.to_string(),
                range: None,
            }),
        }
    }

    pub fn parse(text: &str) -> Result<Settings, (String, Option<std::ops::Range<usize>>)> {
        let raw: RawSettings =
            toml::from_str(text).map_err(|e| (e.message().to_string(), e.span()))?;
        let mut s = Settings {
            include: raw.include,
            exclude: raw.exclude,
            ..Default::default()
        };
        if let Some(p) = raw.profile {
            s.profile = Some(Profile::parse(&p).ok_or_else(|| {
                (
                    format!("unknown profile `{p}` (expected `runtime` or `agentskills`)"),
                    None,
                )
            })?);
        }
        for (code, level) in raw.rules {
            let rule = rules::find(&code)
                .ok_or_else(|| (format!("unknown rule `{code}` in [rules]"), None))?;
            let level = parse_level(&level).ok_or_else(|| {
                (
                    format!(
                        "rule `{code}`: level `{level}` is not one of error, warning, info, off"
                    ),
                    None,
                )
            })?;
            s.rules.insert(rule.code, level);
        }
        for (glob, codes) in raw.per_file_ignores {
            let mut resolved = Vec::new();
            for c in codes {
                resolved.push(
                    rules::find(&c)
                        .ok_or_else(|| (format!("unknown rule `{c}` in [per-file-ignores]"), None))?
                        .code,
                );
            }
            let set = globset(std::slice::from_ref(&glob))
                .map_err(|e| (e, None))?
                .expect("one glob");
            s.ignore_sets.push((set, resolved.clone()));
            s.per_file_ignores.push((glob, resolved));
        }
        s.include_set = globset(&s.include).map_err(|e| (e, None))?;
        s.exclude_set = globset(&s.exclude).map_err(|e| (e, None))?;
        Ok(s)
    }

    /// Applies command-line overrides on top of the file: `rules` as `CODE=LEVEL` (code or
    /// name), extra include and exclude globs.
    pub fn apply_overrides(
        &mut self,
        rules: &[String],
        include: &[String],
        exclude: &[String],
    ) -> Result<(), String> {
        for spec in rules {
            let (code, level) = spec
                .split_once('=')
                .ok_or_else(|| format!("--rule {spec}: expected CODE=LEVEL, e.g. SK301=error"))?;
            let rule = rules::find(code.trim())
                .ok_or_else(|| format!("--rule {spec}: unknown rule `{code}`"))?;
            let level = parse_level(level.trim()).ok_or_else(|| {
                format!("--rule {spec}: level must be error, warning, info or off")
            })?;
            self.rules.insert(rule.code, level);
        }
        self.include.extend(include.iter().cloned());
        self.exclude.extend(exclude.iter().cloned());
        self.include_set = globset(&self.include)?;
        self.exclude_set = globset(&self.exclude)?;
        Ok(())
    }

    pub fn is_excluded(&self, rel: &Path) -> bool {
        self.exclude_set.as_ref().is_some_and(|s| s.is_match(rel))
    }

    pub fn is_included(&self, rel: &Path) -> bool {
        self.include_set.as_ref().is_some_and(|s| s.is_match(rel))
    }

    /// Applies levels, per-file ignores and the profile to a diagnostic; `None` drops it.
    pub fn apply(&self, mut d: Diagnostic, root: &Path, profile: Profile) -> Option<Diagnostic> {
        if !profile.enables(d.rule.profile) {
            return None;
        }
        let rel = d.path.strip_prefix(root).unwrap_or(&d.path).to_path_buf();
        if self.is_excluded(&rel) {
            return None;
        }
        if self
            .ignore_sets
            .iter()
            .any(|(set, codes)| codes.contains(&d.rule.code) && set.is_match(&rel))
        {
            return None;
        }
        if let Some(level) = self.rules.get(d.rule.code) {
            d.severity = (*level)?;
        }
        Some(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_levels_and_rejects_unknown_rules() {
        let s = Settings::parse(
            "profile = \"agentskills\"\n[rules]\nSK301 = \"error\"\nnear-miss-ignored = \"off\"\n",
        )
        .unwrap();
        assert_eq!(s.profile, Some(Profile::AgentSkills));
        assert_eq!(s.rules.get("SK301"), Some(&Some(Severity::Error)));
        assert_eq!(s.rules.get("SK303"), Some(&None));
        assert!(Settings::parse("[rules]\nSK999 = \"error\"\n").is_err());
        assert!(Settings::parse("bogus = 1\n").is_err());
    }
}
