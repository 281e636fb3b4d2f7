//! SK6xx — the open Agent Skills specification (agentskills.io), enabled by the
//! `agentskills` profile: stricter names, name = directory, length limits, allowed fields.

use std::path::Path;

use super::{Rule, rule};
use crate::diagnostic::{Edit, FileSink};
use crate::skill::SkillDocument;
use crate::yaml::ScalarKind;

pub static RULES: &[&Rule] = &[
    &NAME_FORMAT,
    &NAME_DIRECTORY,
    &DESCRIPTION_LENGTH,
    &COMPATIBILITY_LENGTH,
    &UNKNOWN_FIELD,
    &FIELD_TYPE,
];

rule!(NAME_FORMAT {
    code: "SK601",
    name: "agentskills-name-format",
    severity: Error,
    profile: AgentSkills,
    summary: "`name` breaks the Agent Skills name rule",
    explanation: "The Agent Skills specification allows 1–64 lowercase letters, digits and single hyphens, not starting or ending with a hyphen: `^[a-z0-9]+(-[a-z0-9]+)*$`. Underscores and `--`, which the runtime accepts, are not portable to other Agent Skills clients. Fix: use the suggested name.",
    runtime: "No effect on the runtime (its own rule is SK109).",
});

rule!(NAME_DIRECTORY {
    code: "SK602",
    name: "agentskills-name-directory",
    severity: Error,
    profile: AgentSkills,
    summary: "`name` differs from the skill's directory name",
    explanation: "The Agent Skills specification requires `name` to equal the name of the directory holding SKILL.md. The runtime never compares them, but other clients do. Fix: rename the directory or the skill.",
    runtime: "No effect on the runtime.",
});

rule!(DESCRIPTION_LENGTH {
    code: "SK603",
    name: "agentskills-description-length",
    severity: Error,
    profile: AgentSkills,
    summary: "`description` is longer than 1024 characters",
    explanation: "The Agent Skills specification limits `description` to 1024 characters (the runtime has no limit). Fix: shorten it; put detail in the body.",
    runtime: "No effect on the runtime.",
});

rule!(COMPATIBILITY_LENGTH {
    code: "SK604",
    name: "agentskills-compatibility-length",
    severity: Error,
    profile: AgentSkills,
    summary: "`compatibility` is longer than 500 characters",
    explanation: "The Agent Skills specification limits `compatibility` to 500 characters. Fix: shorten it.",
    runtime: "No effect on the runtime (passed through as metadata).",
});

rule!(UNKNOWN_FIELD {
    code: "SK605",
    name: "agentskills-unknown-field",
    severity: Warning,
    profile: AgentSkills,
    summary: "A top-level frontmatter field the Agent Skills spec does not define",
    explanation: "The specification defines `name`, `description`, `license`, `compatibility`, `metadata` and `allowed-tools`. Other top-level keys (including the runtime's `actions`) are not portable; put custom data under `metadata`. The runtime itself keeps unknown keys as metadata.",
    runtime: "Kept verbatim as metadata.",
});

rule!(FIELD_TYPE {
    code: "SK606",
    name: "agentskills-field-type",
    severity: Error,
    profile: AgentSkills,
    summary: "A spec field has the wrong type",
    explanation: "`license`, `compatibility` and `allowed-tools` must be strings; `metadata` must be a mapping of string keys to string values. Fix: quote values, or restructure `metadata`.",
    runtime: "Passed through unchanged.",
});

const ALLOWED: [&str; 6] = [
    "name",
    "description",
    "license",
    "compatibility",
    "metadata",
    "allowed-tools",
];

fn valid_spec_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn spec_slug(name: &str) -> Option<String> {
    let mut out = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out
        .trim_end_matches('-')
        .chars()
        .take(64)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string();
    valid_spec_name(&out).then_some(out)
}

/// Emits SK6xx findings; `dir` is the skill's directory.
pub fn check(doc: &SkillDocument, sink: &mut FileSink, dir: &Path) {
    let (Some(y), Some(map)) = (doc.yaml.as_ref(), doc.mapping()) else {
        return;
    };
    if let Some(name) = doc
        .name
        .as_ref()
        .and_then(|f| f.as_str().map(|s| (f, s.trim())))
    {
        let (field, value) = name;
        if !valid_spec_name(value) {
            let d = sink.emit(&NAME_FORMAT, field.value, format!("`{value}` is not a valid Agent Skills name: 1-64 characters of `a-z`, `0-9` and single inner hyphens"));
            if let Some(s) = spec_slug(value) {
                d.help(format!("use `{s}`"));
                d.fix(
                    format!("Rename to `{s}`"),
                    vec![Edit {
                        range: field.value,
                        new_text: s,
                    }],
                );
            }
        }
        let dir_name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !dir_name.is_empty() && dir_name != value {
            sink.emit(
                &NAME_DIRECTORY,
                field.value,
                format!("`name: {value}` differs from the directory name `{dir_name}`"),
            )
            .help(format!(
                "rename the directory to `{value}` or the skill to `{dir_name}`"
            ));
        }
    }
    if let Some(desc) = doc
        .description
        .as_ref()
        .and_then(|f| f.as_str().map(|s| (f, s)))
    {
        let n = desc.1.chars().count();
        if n > 1024 {
            sink.emit(
                &DESCRIPTION_LENGTH,
                desc.0.value,
                format!("`description` is {n} characters; the Agent Skills limit is 1024"),
            );
        }
    }
    for e in y.entries(map).unwrap_or_default() {
        let key = y.scalar_text(e.key).unwrap_or_default().to_string();
        let key_range = y.span(e.key);
        let value = y.target(e.value);
        if !ALLOWED.contains(&key.as_str()) {
            sink.emit(
                &UNKNOWN_FIELD,
                key_range,
                format!("`{key}` is not an Agent Skills frontmatter field"),
            )
            .help("move custom data under `metadata`");
            continue;
        }
        match key.as_str() {
            "license" | "compatibility" | "allowed-tools" => {
                if y.kind(value) != ScalarKind::Str {
                    sink.emit(
                        &FIELD_TYPE,
                        y.span(e.value),
                        format!(
                            "`{key}` must be a string, got {}",
                            y.kind(value).python_name()
                        ),
                    );
                } else if key == "compatibility" {
                    let n = y.scalar_text(value).unwrap_or_default().chars().count();
                    if n > 500 {
                        sink.emit(
                            &COMPATIBILITY_LENGTH,
                            y.span(e.value),
                            format!("`compatibility` is {n} characters; the limit is 500"),
                        );
                    }
                }
            }
            "metadata" => match y.entries(value) {
                None => {
                    sink.emit(
                        &FIELD_TYPE,
                        y.span(e.value),
                        format!(
                            "`metadata` must be a mapping, got {}",
                            y.kind(value).python_name()
                        ),
                    );
                }
                Some(items) => {
                    for item in items {
                        if y.kind(item.key) != ScalarKind::Str
                            || y.kind(item.value) != ScalarKind::Str
                        {
                            sink.emit(
                                &FIELD_TYPE,
                                y.span(item.value),
                                "`metadata` keys and values must be strings",
                            );
                        }
                    }
                }
            },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_names() {
        assert!(valid_spec_name("pdf-tools"));
        assert!(!valid_spec_name("pdf--tools"));
        assert!(!valid_spec_name("pdf_tools"));
        assert_eq!(spec_slug("PDF_Tools").as_deref(), Some("pdf-tools"));
    }
}
