//! Client settings (section `skills`), from `initializationOptions` and, per workspace
//! folder, `workspace/configuration`. They sit on top of each folder's `skills-lsp.toml`, the
//! way `--profile` and `--rule` sit on top of it on the command line.
//!
//! ```json
//! { "skills": {
//!     "profile": "runtime",                       // or "agentskills"
//!     "rules": { "SK301": "error", "near-miss-ignored": "off" },
//!     "mentionGlobs": ["**/*.md", "**/*.markdown", "**/*.mdx", "**/*.txt"],
//!     "logLevel": "info"                          // error | warn | info | debug | trace | off
//! } }
//! ```
//!
//! Invalid entries are dropped one by one with a message; they never stop the server.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use skills_runtime::rules::{self, Profile};
use skills_runtime::settings::{Settings, parse_level};

/// Markdown and text files checked for mentions when `mentionGlobs` is not set.
pub(crate) const DEFAULT_MENTION_GLOBS: &[&str] =
    &["**/*.md", "**/*.markdown", "**/*.mdx", "**/*.txt"];

pub(crate) const LOG_LEVELS: &[&str] = &["off", "error", "warn", "info", "debug", "trace"];

/// Settings as the client sent them; `None` means "not set here".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClientSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) profile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) rules: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) mention_globs: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) log_level: Option<String>,
}

impl ClientSettings {
    /// Reads `{"skills": {...}}` or the section itself; `null` and non-objects are "nothing
    /// set". Returns the valid settings and a message per dropped entry.
    pub(crate) fn from_json(value: &Value) -> (ClientSettings, Vec<String>) {
        let mut problems = Vec::new();
        let mut out = ClientSettings::default();
        let section = match value.get("skills") {
            Some(inner) => inner,
            None => value,
        };
        let Some(map) = section.as_object() else {
            if !section.is_null() {
                problems.push("settings `skills` must be an object".to_string());
            }
            return (out, problems);
        };
        for (key, v) in map {
            match key.as_str() {
                "profile" => match v.as_str() {
                    Some(p) if Profile::parse(p).is_some() => out.profile = Some(p.to_string()),
                    _ => problems.push(format!(
                        "skills.profile: `{v}` is not `runtime` or `agentskills`"
                    )),
                },
                "rules" => {
                    let Some(entries) = v.as_object() else {
                        problems.push("skills.rules must be an object of CODE: level".into());
                        continue;
                    };
                    let mut rules_out = BTreeMap::new();
                    for (code, level) in entries {
                        let Some(rule) = rules::find(code) else {
                            problems.push(format!("skills.rules: unknown rule `{code}`"));
                            continue;
                        };
                        match level.as_str().filter(|l| parse_level(l).is_some()) {
                            Some(l) => {
                                rules_out.insert(rule.code.to_string(), l.to_string());
                            }
                            None => problems.push(format!(
                                "skills.rules.{code}: `{level}` is not one of error, warning, info, off"
                            )),
                        }
                    }
                    out.rules = Some(rules_out);
                }
                "mentionGlobs" => match v.as_array() {
                    Some(items) => {
                        let mut globs = Vec::new();
                        for item in items {
                            match item.as_str() {
                                Some(g)
                                    if Settings::default()
                                        .apply_overrides(&[], &[g.to_string()], &[])
                                        .is_ok() =>
                                {
                                    globs.push(g.to_string())
                                }
                                _ => problems.push(format!(
                                    "skills.mentionGlobs: `{item}` is not a valid glob"
                                )),
                            }
                        }
                        out.mention_globs = Some(globs);
                    }
                    None => problems.push("skills.mentionGlobs must be a list of globs".into()),
                },
                "logLevel" => match v.as_str().map(str::to_ascii_lowercase) {
                    Some(l) if LOG_LEVELS.contains(&l.as_str()) => out.log_level = Some(l),
                    _ => problems.push(format!(
                        "skills.logLevel: `{v}` is not one of {}",
                        LOG_LEVELS.join(", ")
                    )),
                },
                other => problems.push(format!("skills.{other}: unknown setting (ignored)")),
            }
        }
        (out, problems)
    }

    /// `over` on top of `self`: what `over` sets wins.
    pub(crate) fn overlay(&self, over: &ClientSettings) -> ClientSettings {
        ClientSettings {
            profile: over.profile.clone().or_else(|| self.profile.clone()),
            rules: over.rules.clone().or_else(|| self.rules.clone()),
            mention_globs: over
                .mention_globs
                .clone()
                .or_else(|| self.mention_globs.clone()),
            log_level: over.log_level.clone().or_else(|| self.log_level.clone()),
        }
    }

    pub(crate) fn profile(&self) -> Option<Profile> {
        self.profile.as_deref().and_then(Profile::parse)
    }

    pub(crate) fn mention_globs(&self) -> Vec<String> {
        match &self.mention_globs {
            Some(globs) => globs.clone(),
            None => DEFAULT_MENTION_GLOBS
                .iter()
                .map(|g| g.to_string())
                .collect(),
        }
    }

    /// A folder's `skills-lsp.toml` settings with these on top.
    pub(crate) fn apply_to(&self, mut settings: Settings) -> Settings {
        let rules: Vec<String> = self
            .rules
            .iter()
            .flatten()
            .map(|(code, level)| format!("{code}={level}"))
            .collect();
        // Every entry was validated when read, so this cannot fail.
        if let Err(e) = settings.apply_overrides(&rules, &self.mention_globs(), &[]) {
            tracing::error!("client settings rejected after validation: {e}");
        }
        settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use skills_runtime::diagnostic::Severity;

    #[test]
    fn reads_the_section_or_the_wrapper_and_drops_invalid_entries() {
        let (s, problems) = ClientSettings::from_json(&json!({"skills": {
            "profile": "agentskills",
            "rules": {"SK301": "error", "near-miss-ignored": "off", "SK999": "error", "SK302": "loud"},
            "mentionGlobs": ["docs/**/*.md", "[", 3],
            "logLevel": "DEBUG",
            "colour": true
        }}));
        assert_eq!(s.profile.as_deref(), Some("agentskills"));
        assert_eq!(
            s.rules,
            Some(BTreeMap::from([
                ("SK301".to_string(), "error".to_string()),
                ("SK303".to_string(), "off".to_string())
            ]))
        );
        assert_eq!(s.mention_globs, Some(vec!["docs/**/*.md".to_string()]));
        assert_eq!(s.log_level.as_deref(), Some("debug"));
        assert_eq!(problems.len(), 5, "{problems:?}");
        let (bare, none) = ClientSettings::from_json(&json!({"profile": "runtime"}));
        assert_eq!(bare.profile.as_deref(), Some("runtime"));
        assert!(none.is_empty());
        assert_eq!(
            ClientSettings::from_json(&Value::Null).0,
            ClientSettings::default()
        );
    }

    #[test]
    fn folder_settings_override_initialization_options() {
        let init = ClientSettings {
            profile: Some("agentskills".into()),
            log_level: Some("warn".into()),
            ..Default::default()
        };
        let folder = ClientSettings {
            profile: Some("runtime".into()),
            mention_globs: Some(vec![]),
            ..Default::default()
        };
        let merged = init.overlay(&folder);
        assert_eq!(merged.profile.as_deref(), Some("runtime"));
        assert_eq!(merged.log_level.as_deref(), Some("warn"));
        assert!(merged.mention_globs().is_empty());
        assert_eq!(init.mention_globs().len(), DEFAULT_MENTION_GLOBS.len());
    }

    #[test]
    fn rules_and_globs_apply_on_top_of_the_file() {
        let file = Settings::parse("[rules]\nSK301 = \"info\"\nSK302 = \"error\"\n").unwrap();
        let client = ClientSettings {
            rules: Some(BTreeMap::from([("SK301".to_string(), "error".to_string())])),
            ..Default::default()
        };
        let s = client.apply_to(file);
        assert_eq!(s.rules.get("SK301"), Some(&Some(Severity::Error)));
        assert_eq!(s.rules.get("SK302"), Some(&Some(Severity::Error)));
        assert!(s.is_included(std::path::Path::new("docs/guide.md")));
        assert!(!s.is_included(std::path::Path::new("config/runtime.yaml")));
    }
}
