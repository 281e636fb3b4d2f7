//! SK1xx — the frontmatter of a SKILL.md, judged exactly as the runtime's scan judges it.

use super::{Rule, rule};
use crate::diagnostic::{Edit, FileSink};
use crate::frontmatter::FrontmatterError;
use crate::skill::{Field, ScanCrash, SkillDocument, Verdict, slugify};
use crate::text::{TextRange, is_python_space, python_strip};
use crate::yaml::{LoadProblem, ScalarKind};

pub static RULES: &[&Rule] = &[
    &FRONTMATTER_MISSING,
    &FRONTMATTER_UNTERMINATED,
    &FRONTMATTER_TOO_LARGE,
    &YAML_SYNTAX,
    &NOT_A_MAPPING,
    &NAME_MISSING,
    &NAME_NOT_STRING,
    &NAME_WHITESPACE,
    &NAME_INVALID,
    &DESCRIPTION_MISSING,
    &DESCRIPTION_NOT_STRING,
    &SCAN_CRASH,
    &EARLY_CLOSE,
    &DUPLICATE_KEY,
    &NAME_PADDED,
    &DESCRIPTION_BLANK,
    &IGNORED_FIELD,
    &BODY_NOT_UTF8,
];

const REJECT: &str = "The runtime's scan reports `SKILL_SCAN_METADATA_INVALID` for this file and leaves the skill out of the index; because of that error, every mention resolution in the workspace then fails (spec §2.4 step 4).";

rule!(FRONTMATTER_MISSING {
    code: "SK101",
    name: "frontmatter-missing",
    severity: Error,
    summary: "SKILL.md does not start with a `---` line",
    explanation: "The runtime reads a SKILL.md's first line and requires it to be `---` once surrounding whitespace is stripped. An empty file, a file that starts with a heading, or a file that starts with a UTF-8 byte-order mark (the runtime does not strip BOMs, so the line reads `\u{feff}---`) is rejected with reason `frontmatter_missing`. Fix: start the file with `---`, the YAML frontmatter, and a closing `---`; save without BOM.",
    runtime: REJECT,
    runtime_code: "SKILL_SCAN_METADATA_INVALID",
});

rule!(FRONTMATTER_UNTERMINATED {
    code: "SK102",
    name: "frontmatter-unterminated",
    severity: Error,
    summary: "No closing `---` after the frontmatter",
    explanation: "After the opening `---` the runtime reads lines until one whose stripped text is exactly `---`. `...`, `----` or `---yaml` do not close the frontmatter. If the file ends first, the skill is rejected with reason `frontmatter_unterminated`. Fix: add a line `---` after the last frontmatter key.",
    runtime: REJECT,
    runtime_code: "SKILL_SCAN_METADATA_INVALID",
});

rule!(FRONTMATTER_TOO_LARGE {
    code: "SK103",
    name: "frontmatter-too-large",
    severity: Error,
    summary: "Frontmatter exceeds `skills.scan.max_frontmatter_bytes`",
    explanation: "The runtime counts the UTF-8 bytes of every line it reads for the frontmatter, both `---` lines included and CRLF counted as one byte, and rejects the file with reason `frontmatter_too_large` as soon as the total exceeds `skills.scan.max_frontmatter_bytes` (default 65536; equal is fine). A missing closing `---` in a large file usually shows up as this error. Fix: move long text into the body or raise the limit in `config/runtime.yaml`.",
    runtime: REJECT,
    runtime_code: "SKILL_SCAN_METADATA_INVALID",
});

rule!(YAML_SYNTAX {
    code: "SK104",
    name: "yaml-syntax",
    severity: Error,
    summary: "Frontmatter is not valid YAML for the runtime",
    explanation: "The runtime loads the frontmatter with PyYAML `safe_load` and, on any YAML error (syntax, a tag it cannot construct such as `!custom`, a list used as a key, control characters), silently treats the frontmatter as empty. The file is then rejected as missing `name`, which hides the real cause; this rule points at it. Fix the YAML at the reported position; quote values that contain `: ` or start with YAML indicators.",
    runtime: "The runtime reports reason `frontmatter 缺少必填字段 name` (missing name), not the YAML error, and leaves the skill out of the index.",
    runtime_code: "SKILL_SCAN_METADATA_INVALID",
});

rule!(NOT_A_MAPPING {
    code: "SK105",
    name: "frontmatter-not-mapping",
    severity: Error,
    summary: "Frontmatter is not a YAML mapping",
    explanation: "The frontmatter must be a mapping of keys to values. An empty frontmatter, a list, or a single scalar is treated by the runtime as an empty mapping, so the file is rejected as missing `name`. Fix: write `name: ...` and `description: ...` lines between the delimiters.",
    runtime: "The runtime reports reason `frontmatter 缺少必填字段 name` and leaves the skill out of the index.",
    runtime_code: "SKILL_SCAN_METADATA_INVALID",
});

rule!(NAME_MISSING {
    code: "SK106",
    name: "name-missing",
    severity: Error,
    summary: "Frontmatter has no `name`, or it is empty",
    explanation: "Every skill needs a non-empty string `name` (keys are case-sensitive: `Name:` does not count). Fix: add `name: <skill-name>`, conventionally the directory name.",
    runtime: REJECT,
    runtime_code: "SKILL_SCAN_METADATA_INVALID",
});

rule!(NAME_NOT_STRING {
    code: "SK107",
    name: "name-not-string",
    severity: Error,
    summary: "`name` is not a string under YAML 1.1",
    explanation: "PyYAML follows YAML 1.1: unquoted `yes`, `no`, `on`, `off`, `true`, numbers such as `12`, `0x1f` or `1:30`, dates such as `2024-01-01`, `null` and `~` are not strings. The runtime then treats `name` as missing. Fix: quote the value (`name: \"yes\"`).",
    runtime: "The runtime reports reason `frontmatter 缺少必填字段 name` and leaves the skill out of the index.",
    runtime_code: "SKILL_SCAN_METADATA_INVALID",
});

rule!(NAME_WHITESPACE {
    code: "SK108",
    name: "name-whitespace",
    severity: Error,
    summary: "`name` contains whitespace",
    explanation: "After trimming, the runtime rejects a name that is blank or contains any whitespace, with reason `frontmatter 字段 name 非法（不得包含空白）`. Fix: use hyphens (`my-skill`).",
    runtime: REJECT,
    runtime_code: "SKILL_SCAN_METADATA_INVALID",
});

rule!(NAME_INVALID {
    code: "SK109",
    name: "name-invalid",
    severity: Error,
    summary: "`name` is not a valid skill name",
    explanation: "Skill names must match `^[a-z0-9][a-z0-9_-]{0,62}[a-z0-9]$`: 2 to 64 characters, lowercase ASCII letters, digits, `-` and `_`, starting and ending with a letter or digit. Anything else is rejected with reason `invalid_skill_name_slug`, and could never be mentioned anyway. Fix: use the suggested slug.",
    runtime: REJECT,
    runtime_code: "SKILL_SCAN_METADATA_INVALID",
});

rule!(DESCRIPTION_MISSING {
    code: "SK110",
    name: "description-missing",
    severity: Error,
    summary: "Frontmatter has no `description`, or it is empty",
    explanation: "Every skill needs a non-empty string `description`; the runtime shows it to the model when it lists skills. Fix: add `description: <one sentence on when to use the skill>`.",
    runtime: REJECT,
    runtime_code: "SKILL_SCAN_METADATA_INVALID",
});

rule!(DESCRIPTION_NOT_STRING {
    code: "SK111",
    name: "description-not-string",
    severity: Error,
    summary: "`description` is not a string under YAML 1.1",
    explanation: "A description such as `42`, `yes`, a date, a list or a mapping is not a string to PyYAML, so the runtime treats it as missing. Fix: quote the value.",
    runtime: "The runtime reports reason `frontmatter 缺少必填字段 description` and leaves the skill out of the index.",
    runtime_code: "SKILL_SCAN_METADATA_INVALID",
});

rule!(SCAN_CRASH {
    code: "SK112",
    name: "scan-crash",
    severity: Error,
    summary: "This file makes the runtime's whole scan fail",
    explanation: "Some problems are not caught by the runtime's per-file error handling and abort the entire scan: invalid UTF-8 in the part of the file read while scanning (the first 8 KiB chunks), a value PyYAML's constructor cannot build such as the impossible date `2024-13-45` or `0x_`, nesting deep enough to exhaust Python's recursion limit, merge keys that expand beyond what PyYAML can copy, an `agents/openai.yaml` that is not UTF-8 or holds such a value, an unreadable file or directory. No skill at all is then available. Fix the file at the reported position.",
    runtime: "`skills scan` fails with `CLI_SCAN_FAILED`; agents cannot be constructed and no skill is available.",
    runtime_code: "CLI_SCAN_FAILED",
});

rule!(EARLY_CLOSE {
    code: "SK120",
    name: "early-close",
    severity: Warning,
    summary: "An indented `---` ends the frontmatter early",
    explanation: "The runtime closes the frontmatter at the first line whose *stripped* text is `---`, even inside a block scalar (`description: |` followed by an indented `---`). Everything after it becomes the body. Fix: avoid a `---` line inside frontmatter values.",
    runtime: "The frontmatter ends at this line; later keys are read as Markdown body.",
});

rule!(DUPLICATE_KEY {
    code: "SK121",
    name: "duplicate-key",
    severity: Warning,
    summary: "A frontmatter key is given twice",
    explanation: "PyYAML keeps the last value of a repeated key without any warning, so the earlier value is silently ignored. Fix: remove one of them.",
    runtime: "The last occurrence wins.",
});

rule!(NAME_PADDED {
    code: "SK122",
    name: "name-padded",
    severity: Info,
    summary: "`name` has surrounding whitespace",
    explanation: "The runtime trims whitespace around `name` before using it, so `\"  demo \"` becomes `demo`. It works, but tools that read the raw value disagree. Fix: remove the padding.",
    runtime: "The name is used trimmed.",
});

rule!(DESCRIPTION_BLANK {
    code: "SK123",
    name: "description-blank",
    severity: Warning,
    summary: "`description` is only whitespace",
    explanation: "A whitespace-only description passes the runtime's check but collapses to an empty string, so the model sees a skill without a description. Fix: write a real description.",
    runtime: "The skill is indexed with description `\"\"`.",
});

rule!(IGNORED_FIELD {
    code: "SK124",
    name: "ignored-field",
    severity: Warning,
    summary: "A frontmatter key the runtime ignores or overwrites",
    explanation: "`required_env_vars` in frontmatter has no effect (environment dependencies come only from `agents/openai.yaml`), `updated_at` is overwritten with the file's modification time, and `body_markdown` is stripped from scan output. Fix: move env dependencies to `agents/openai.yaml` and rename the other keys.",
    runtime: "The value is ignored or replaced.",
});

rule!(BODY_NOT_UTF8 {
    code: "SK125",
    name: "body-not-utf8",
    severity: Error,
    summary: "The file is not valid UTF-8",
    explanation: "The runtime reads whole skill files as UTF-8 when it injects them into a prompt. Invalid bytes past the part read during the scan do not fail the scan, but every injection of this skill fails. Fix: re-save the file as UTF-8.",
    runtime: "Injection fails with `SKILL_BODY_READ_FAILED` (UnicodeDecodeError).",
    runtime_code: "SKILL_BODY_READ_FAILED",
});

/// Emits the SK1xx findings for a parsed SKILL.md.
pub fn check(doc: &SkillDocument, sink: &mut FileSink) {
    let text = sink.text;
    match &doc.frontmatter {
        Err(e) => frontmatter_error(e, doc, sink),
        Ok(fm) => {
            // The closer is `---` once stripped; leading whitespace means it was indented.
            if !text[fm.close.start..fm.close.end].starts_with(b"---") {
                sink.emit(&EARLY_CLOSE, fm.close, "this indented `---` closes the frontmatter; the runtime reads what follows as the body");
            }
        }
    }
    if let Some(u) = doc.invalid_utf8 {
        let range = TextRange::new(u.offset, (u.offset + 1).min(text.len()));
        if u.during_scan {
            sink.emit(&SCAN_CRASH, range, "invalid UTF-8 in the part of the file the runtime reads while scanning: its whole scan fails (UnicodeDecodeError)")
                .help("re-save the file as UTF-8");
        } else {
            sink.emit(&BODY_NOT_UTF8, range, "invalid UTF-8: the scan accepts this file, but injecting the skill fails (UnicodeDecodeError)")
                .help("re-save the file as UTF-8");
        }
    }
    if let Verdict::Crash(ScanCrash::Constructor(e)) = &doc.verdict {
        sink.emit(
            &SCAN_CRASH,
            e.range,
            format!(
                "{}; the runtime does not catch this and its whole scan fails",
                e.message
            ),
        );
    }
    if doc.frontmatter.is_err() || matches!(doc.verdict, Verdict::Crash(_)) {
        return;
    }
    match &doc.load_problem {
        Some(LoadProblem::YamlError(e)) => {
            let fix = doc
                .frontmatter
                .as_ref()
                .ok()
                .and_then(|fm| colon_value_fix(text, fm.yaml, e.range.start));
            let d = sink.emit(&YAML_SYNTAX, e.range, format!("YAML error: {}; the runtime ignores the whole frontmatter and reports this skill as missing `name`", e.message));
            if let Some(edit) = fix {
                d.help("quote the value: `: ` inside a plain value starts a mapping");
                d.fix("Quote the value", vec![edit]);
            }
        }
        Some(LoadProblem::Crash(_)) | None => {}
    }
    if let Some(kind) = doc.not_a_mapping {
        let fm = doc.frontmatter.as_ref().expect("checked above");
        let range = doc
            .yaml
            .as_ref()
            .and_then(|y| y.root())
            .map(|r| doc.yaml.as_ref().unwrap().span(r))
            .unwrap_or(fm.open);
        let what = if kind == ScalarKind::Null {
            "empty".to_string()
        } else {
            format!("{} rather than a mapping", kind.python_name())
        };
        sink.emit(&NOT_A_MAPPING, range, format!("the frontmatter is {what}; the runtime treats it as `{{}}` and reports this skill as missing `name`"));
    }
    let usable = doc.load_problem.is_none() && doc.not_a_mapping.is_none();
    if usable {
        name_checks(doc, sink);
        description_checks(doc, sink);
        duplicate_keys(doc, sink);
        ignored_fields(doc, sink);
    }
}

fn frontmatter_error(e: &FrontmatterError, doc: &SkillDocument, sink: &mut FileSink) {
    if doc.invalid_utf8.is_some_and(|u| u.during_scan) {
        return;
    }
    match e {
        FrontmatterError::Empty => {
            sink.emit(
                &FRONTMATTER_MISSING,
                TextRange::empty(0),
                "empty SKILL.md: the runtime rejects it (frontmatter_missing)",
            )
            .help("start the file with `---`, `name: ...`, `description: ...` and `---`");
        }
        FrontmatterError::Missing { bom: true, .. } => {
            sink.emit(&FRONTMATTER_MISSING, TextRange::new(0, 3), "the file starts with a UTF-8 byte-order mark; the runtime reads line 1 as `\\ufeff---` and rejects the file (frontmatter_missing)")
                .help("save the file as UTF-8 without BOM")
                .fix("Remove the byte-order mark", vec![Edit { range: TextRange::new(0, 3), new_text: String::new() }]);
        }
        FrontmatterError::Missing {
            first_line,
            bom: false,
        } => {
            sink.emit(&FRONTMATTER_MISSING, *first_line, "line 1 is not `---`: the runtime finds no frontmatter and rejects the file (frontmatter_missing)")
                .help("start the file with a `---` line, the YAML frontmatter, and a closing `---`");
        }
        FrontmatterError::Unterminated { open } => {
            sink.emit(&FRONTMATTER_UNTERMINATED, *open, "the frontmatter opened here is never closed by a `---` line (frontmatter_unterminated)")
                .help("add a `---` line after the last frontmatter key");
        }
        FrontmatterError::TooLarge { line, counted, cap } => {
            sink.emit(&FRONTMATTER_TOO_LARGE, *line, format!("the frontmatter reaches {counted} bytes at this line, over `skills.scan.max_frontmatter_bytes` = {cap} (frontmatter_too_large)"))
                .help("shorten the frontmatter, check that it is closed by `---`, or raise the limit in config/runtime.yaml");
        }
    }
}

fn quote_edit(field: &Field, text: &[u8]) -> Vec<Edit> {
    let raw = String::from_utf8_lossy(&text[field.value.start..field.value.end]);
    let escaped = raw.replace('\\', "\\\\").replace('"', "\\\"");
    vec![Edit {
        range: field.value,
        new_text: format!("\"{escaped}\""),
    }]
}

/// The line break the file uses (for inserted lines).
fn line_break(text: &[u8]) -> &'static str {
    match text.iter().position(|&b| b == b'\n' || b == b'\r') {
        Some(i) if text[i] == b'\r' && text.get(i + 1) == Some(&b'\n') => "\r\n",
        Some(i) if text[i] == b'\r' => "\r",
        _ => "\n",
    }
}

/// A double-quoted YAML string.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The value a missing required key gets: the slug of the directory name for `name`, a
/// sentence to rewrite for `description`.
fn placeholder(key: &str, sink: &FileSink) -> Option<String> {
    let dir = sink
        .path
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned());
    match key {
        "name" => {
            let slug = slugify(&dir?)?;
            Some(match crate::yaml::scalar::resolve_plain(&slug) {
                ScalarKind::Str => slug,
                _ => quoted(&slug),
            })
        }
        _ => Some("Describe what this skill does and when to use it.".to_string()),
    }
}

/// Adds a missing `name` (from the directory) or `description`, or renames a miscased key
/// (`Name:` → `name:`).
fn missing_key_fix(doc: &SkillDocument, key: &str, sink: &FileSink) -> Option<(String, Edit)> {
    let fm = doc.frontmatter.as_ref().ok()?;
    let y = doc.yaml.as_ref();
    if let (Some(y), Some(map)) = (y, doc.mapping()) {
        for &(k, _) in y.raw_entries(map) {
            if y.scalar_text(k)
                .is_some_and(|t| t != key && t.eq_ignore_ascii_case(key))
            {
                return Some((
                    format!("Rename the key to `{key}`"),
                    Edit {
                        range: y.span(k),
                        new_text: key.to_string(),
                    },
                ));
            }
        }
    }
    // Only a mapping frontmatter (or an empty one) can take a new line.
    if doc.load_problem.is_some() || doc.not_a_mapping.is_some_and(|k| k != ScalarKind::Null) {
        return None;
    }
    let value = placeholder(key, sink)?;
    let eol = line_break(sink.text);
    // `name` goes first; `description` right before the closing `---`.
    let at = if key == "name" {
        fm.yaml.start
    } else {
        fm.close.start
    };
    Some((
        format!("Add `{key}: {value}`"),
        Edit {
            range: TextRange::empty(at),
            new_text: format!("{key}: {value}{eol}"),
        },
    ))
}

/// Gives an empty (`""`) or null (`key:`, `~`) required value its placeholder.
fn fill_value_fix(field: &Field, key: &str, sink: &FileSink) -> Option<(String, Edit)> {
    let value = placeholder(key, sink)?;
    let title = format!("Set `{key}: {value}`");
    let text = sink.text;
    if !field.value.is_empty() {
        // A block scalar's range (`>-`) runs to the line breaks after it: keep those.
        let mut range = field.value;
        while range.end > range.start && text[range.end - 1].is_ascii_whitespace() {
            range.end -= 1;
        }
        return Some((
            title,
            Edit {
                range,
                new_text: value,
            },
        ));
    }
    // `key:` with nothing after it: write after the colon.
    let colon = field.key.end
        + text[field.key.end..]
            .iter()
            .position(|&b| b == b':' || b == b'\n' || b == b'\r')?;
    (text[colon] == b':').then(|| {
        (
            title,
            Edit {
                range: TextRange::empty(colon + 1),
                new_text: format!(" {value}"),
            },
        )
    })
}

/// When a YAML error sits on (or right after) a `key: value` line whose plain value contains
/// `: ` or ends with `:`, quoting the value is the fix.
fn colon_value_fix(text: &[u8], yaml: TextRange, error_at: usize) -> Option<Edit> {
    let line_start = |at: usize| {
        text[..at]
            .iter()
            .rposition(|&b| b == b'\n' || b == b'\r')
            .map_or(0, |i| i + 1)
            .max(yaml.start)
    };
    let line_end = |at: usize| {
        text[at..yaml.end]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map_or(yaml.end, |i| at + i)
    };
    let at = error_at.clamp(yaml.start, yaml.end);
    let this = line_start(at);
    let mut candidates = vec![this];
    if this > yaml.start {
        candidates.push(line_start(this - 1));
    }
    for start in candidates {
        let end = line_end(start);
        let Ok(line) = std::str::from_utf8(&text[start..end]) else {
            continue;
        };
        let Some(colon) = line.find(": ") else {
            continue;
        };
        let key = &line[..colon];
        if key.trim().is_empty() || key.trim_start().starts_with(['-', '#', '"', '\'']) {
            continue;
        }
        let value = line[colon + 2..].trim();
        if value.is_empty() || value.starts_with(['"', '\'', '[', '{', '|', '>', '&', '*', '!']) {
            continue;
        }
        let value = value.split(" #").next().unwrap_or(value).trim_end();
        if !(value.contains(": ") || value.ends_with(':')) {
            continue;
        }
        let from =
            start + colon + 2 + (line[colon + 2..].len() - line[colon + 2..].trim_start().len());
        let edit = Edit {
            range: TextRange::new(from, from + value.len()),
            new_text: quoted(value),
        };
        if loads_with(text, &edit) {
            return Some(edit);
        }
    }
    None
}

/// Whether the frontmatter still loads (no YAML error) once `edit` is applied: a fix is offered
/// only if it leaves YAML the runtime can read (a line added to `{a: 1}` or to an indented
/// mapping, or a quoted first line of a value continued below, would not).
fn loads_with(text: &[u8], edit: &Edit) -> bool {
    let mut fixed = text.to_vec();
    fixed.splice(edit.range.start..edit.range.end, edit.new_text.bytes());
    let doc = SkillDocument::parse(&fixed, fixed.len());
    doc.frontmatter.is_ok() && doc.load_problem.is_none()
}

/// The runtime's requirement on `name` and `description`: present, a YAML string, not empty.
struct RequiredString {
    key: &'static str,
    missing: &'static Rule,
    not_string: &'static Rule,
    missing_help: &'static str,
    null_help: Option<&'static str>,
    /// How the message ends: what the runtime does with a non-string value.
    rejects: &'static str,
}

/// Reports a missing, null, non-string or empty field; returns the field and its string.
fn required_string<'f>(
    doc: &SkillDocument,
    field: Option<&'f Field>,
    spec: &RequiredString,
    sink: &mut FileSink,
) -> Option<(&'f Field, &'f str)> {
    let fm = doc.frontmatter.as_ref().ok()?;
    let key = spec.key;
    let Some(field) = field else {
        let fix = missing_key_fix(doc, spec.key, sink).filter(|(_, e)| loads_with(sink.text, e));
        let d = sink.emit(
            spec.missing,
            fm.open,
            format!("the frontmatter has no `{key}` key; the runtime rejects the skill"),
        );
        d.help(spec.missing_help);
        if let Some((title, edit)) = fix {
            d.fix(title, vec![edit]);
        }
        return None;
    };
    match field.kind {
        ScalarKind::Str => {}
        ScalarKind::Null => {
            let fix = fill_value_fix(field, key, sink).filter(|(_, e)| loads_with(sink.text, e));
            let d = sink.emit(
                spec.missing,
                field.key,
                format!("`{key}` is empty (null to YAML); the runtime rejects the skill"),
            );
            if let Some(help) = spec.null_help {
                d.help(help);
            }
            if let Some((title, edit)) = fix {
                d.fix(title, vec![edit]);
            }
            return None;
        }
        kind => {
            // Scalars get a quoting fix; collections cannot be fixed that way.
            let edits = field
                .raw
                .as_ref()
                .is_some_and(|r| !r.is_empty())
                .then(|| quote_edit(field, sink.text));
            let message = format!(
                "the runtime reads this `{key}` as {} (YAML 1.1), not a string, {}",
                kind.python_name(),
                spec.rejects
            );
            let d = sink.emit(spec.not_string, field.value, message);
            if let Some(edits) = edits {
                d.help("quote it");
                d.fix("Quote the value", edits);
            }
            return None;
        }
    }
    let value = field.as_str().unwrap_or_default();
    if value.is_empty() {
        let fix = fill_value_fix(field, key, sink).filter(|(_, e)| loads_with(sink.text, e));
        let d = sink.emit(
            spec.missing,
            field.value,
            format!("`{key}` is an empty string; the runtime rejects the skill"),
        );
        if let Some((title, edit)) = fix {
            d.fix(title, vec![edit]);
        }
        return None;
    }
    Some((field, value))
}

fn name_checks(doc: &SkillDocument, sink: &mut FileSink) {
    let spec = RequiredString {
        key: "name",
        missing: &NAME_MISSING,
        not_string: &NAME_NOT_STRING,
        missing_help: if doc.field("Name").is_some() {
            "keys are case-sensitive: rename `Name` to `name`"
        } else {
            "add `name: <skill-name>`"
        },
        null_help: Some("give the skill a name"),
        rejects: "and rejects the skill as missing `name`",
    };
    let Some((name, value)) = required_string(doc, doc.name.as_ref(), &spec, sink) else {
        return;
    };
    let trimmed = python_strip(value);
    if trimmed.is_empty() || trimmed.chars().any(is_python_space) {
        let slug = slugify(trimmed);
        let d = sink.emit(
            &NAME_WHITESPACE,
            name.value,
            format!(
                "`name` {} whitespace; the runtime rejects the skill",
                if trimmed.is_empty() {
                    "is only"
                } else {
                    "contains"
                }
            ),
        );
        if let Some(slug) = slug {
            d.help(format!("use `{slug}`"));
            d.fix(
                format!("Rename to `{slug}`"),
                vec![Edit {
                    range: name.value,
                    new_text: slug,
                }],
            );
        }
        return;
    }
    if trimmed != value {
        sink.emit(
            &NAME_PADDED,
            name.value,
            format!("`name` has surrounding whitespace; the runtime uses `{trimmed}`"),
        )
        .fix(
            "Trim the name",
            vec![Edit {
                range: name.value,
                new_text: trimmed.to_string(),
            }],
        );
    }
    if !crate::mentions::is_valid_skill_name(trimmed) {
        let why = name_rule_violation(trimmed);
        let d = sink.emit(&NAME_INVALID, name.value, format!("`{trimmed}` is not a valid skill name ({why}); the runtime rejects it (invalid_skill_name_slug)"));
        match slugify(trimmed) {
            Some(slug) => {
                d.help(format!("use `{slug}`"));
                d.fix(
                    format!("Rename to `{slug}`"),
                    vec![Edit {
                        range: name.value,
                        new_text: slug,
                    }],
                );
            }
            None => {
                d.help("use 2-64 characters from `a-z`, `0-9`, `-`, `_`, starting and ending with a letter or digit");
            }
        }
    }
}

/// Says which part of the slug rule a name breaks.
pub fn name_rule_violation(name: &str) -> &'static str {
    let len = name.chars().count();
    if len < 2 {
        "shorter than 2 characters"
    } else if len > 64 {
        "longer than 64 characters"
    } else if name.chars().any(|c| c.is_ascii_uppercase()) {
        "uppercase letters are not allowed"
    } else if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        "only `a-z`, `0-9`, `-` and `_` are allowed"
    } else {
        "it must start and end with a letter or digit"
    }
}

fn description_checks(doc: &SkillDocument, sink: &mut FileSink) {
    let spec = RequiredString {
        key: "description",
        missing: &DESCRIPTION_MISSING,
        not_string: &DESCRIPTION_NOT_STRING,
        missing_help: "add `description: <when to use this skill>`",
        null_help: None,
        rejects: "and rejects the skill",
    };
    let Some((desc, value)) = required_string(doc, doc.description.as_ref(), &spec, sink) else {
        return;
    };
    if python_strip(value).is_empty() {
        sink.emit(&DESCRIPTION_BLANK, desc.value, "`description` is only whitespace; the runtime accepts it but indexes an empty description");
    }
}

fn duplicate_keys(doc: &SkillDocument, sink: &mut FileSink) {
    let (Some(y), Some(map)) = (doc.yaml.as_ref(), doc.mapping()) else {
        return;
    };
    let mut seen: std::collections::HashMap<String, TextRange> = Default::default();
    let mut dups = Vec::new();
    for &(k, _) in y.raw_entries(map) {
        let Some(key) = y.scalar_text(k) else {
            continue;
        };
        if let Some(first) = seen.insert(key.to_string(), y.span(k)) {
            dups.push((key.to_string(), first, y.span(k)));
        }
    }
    for (key, first, later) in dups {
        let later_pos = sink.locate(later);
        let path = sink.path.clone();
        sink.emit(&DUPLICATE_KEY, first, format!("`{key}` is given again on line {}; the runtime ignores this value and keeps the last one", later_pos.start.line + 1))
            .related(crate::diagnostic::Related { path, range: later_pos, message: format!("`{key}` again: this value wins") });
    }
}

fn ignored_fields(doc: &SkillDocument, sink: &mut FileSink) {
    for (key, why) in [
        (
            "required_env_vars",
            "has no effect in frontmatter: the runtime reads environment dependencies only from `agents/openai.yaml`",
        ),
        (
            "updated_at",
            "is overwritten by the runtime with the file's modification time",
        ),
        (
            "body_markdown",
            "is stripped from the runtime's scan output, so nobody sees it",
        ),
    ] {
        if let Some(f) = doc.field(key) {
            sink.emit(&IGNORED_FIELD, f.key, format!("`{key}` {why}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn codes_and_fixes(text: &[u8]) -> Vec<(&'static str, Option<crate::diagnostic::Fix>)> {
        let doc = SkillDocument::parse(text, 1 << 20);
        let mut sink = FileSink::new(Path::new("/ws/skills/my-dir/SKILL.md").into(), text);
        check(&doc, &mut sink);
        sink.out.into_iter().map(|d| (d.rule.code, d.fix)).collect()
    }

    /// Applies every fix offered for `text` and returns the codes found afterwards, per fix.
    fn after_each_fix(text: &str) -> Vec<(&'static str, Vec<&'static str>)> {
        let mut out = Vec::new();
        for (code, fix) in codes_and_fixes(text.as_bytes()) {
            let Some(fix) = fix else { continue };
            let mut fixed = text.as_bytes().to_vec();
            let mut edits = fix.edits.clone();
            edits.sort_by_key(|e| std::cmp::Reverse(e.range.start));
            for e in edits {
                fixed.splice(e.range.start..e.range.end, e.new_text.bytes());
            }
            let after = codes_and_fixes(&fixed)
                .into_iter()
                .map(|(c, _)| c)
                .collect();
            out.push((code, after));
        }
        out
    }

    #[test]
    fn no_line_is_added_to_a_flow_or_indented_mapping() {
        for text in [
            "---\n{description: d}\n---\n",
            "---\n{name: my-dir}\n---\n",
            "---\n  description: d\n  other: 1\n---\n",
            "---\n  name: my-dir\n---\n",
        ] {
            assert_eq!(after_each_fix(text), [], "{text:?}");
        }
        assert_eq!(
            after_each_fix("---\ndescription: d\n---\n"),
            [("SK106", vec![])]
        );
    }

    #[test]
    fn filling_an_empty_block_scalar_keeps_the_line_break_before_the_closer() {
        assert_eq!(
            after_each_fix("---\nname: my-dir\ndescription: >-\n---\n"),
            [("SK110", vec![])]
        );
    }

    #[test]
    fn a_value_continued_on_indented_lines_is_not_quoted_on_its_first_line() {
        let text = "---\nname: my-dir\ndescription: d: e\n  more\n---\n";
        assert!(
            codes_and_fixes(text.as_bytes())
                .iter()
                .all(|(_, fix)| fix.is_none())
        );
        assert_eq!(
            after_each_fix("---\nname: my-dir\ndescription: use it: now\n---\n"),
            [("SK104", vec![])]
        );
    }
}
