//! SK2xx — what a skill's bundle directory holds: file naming, nesting, links from the body to
//! bundle files, `actions` scripts, and the size the runtime will inject.

use std::path::{Component, Path};

use super::{Rule, rule};
use crate::diagnostic::FileSink;
use crate::skill::SkillDocument;
use crate::text::TextRange;
use crate::yaml::{NodeKind, ScalarKind};

pub static RULES: &[&Rule] = &[
    &WRONG_CASE_FILENAME,
    &NESTED_SKILL,
    &BODY_TOO_LARGE,
    &BROKEN_LINK,
    &ACTION_INVALID,
    &ACTION_ARGV_PATH,
];

rule!(WRONG_CASE_FILENAME {
    code: "SK201",
    name: "wrong-case-filename",
    severity: Warning,
    summary: "A skill file named `skill.md` (or other casing) is ignored",
    explanation: "The runtime only discovers files named exactly `SKILL.md`. A `skill.md` or `Skill.md` with frontmatter is silently ignored, so the skill never appears. Fix: rename the file to `SKILL.md`.",
    runtime: "The file is not discovered; the skill does not exist for the runtime.",
});

rule!(NESTED_SKILL {
    code: "SK202",
    name: "nested-skill",
    severity: Warning,
    summary: "A SKILL.md inside another skill's directory is a separate skill",
    explanation: "The runtime's walk does not stop at a skill directory: a `SKILL.md` under `references/`, `assets/`, `actions/` or any subdirectory of another skill is indexed as a skill of its own (and may collide with other names). If it is meant as reference material, rename it (e.g. `references/example-skill.md`).",
    runtime: "Indexed as an independent skill in the same namespace.",
});

rule!(BODY_TOO_LARGE {
    code: "SK203",
    name: "body-too-large",
    severity: Warning,
    summary: "The file is larger than `skills.injection.max_bytes`",
    explanation: "When a skill is mentioned, the runtime injects the whole SKILL.md (frontmatter included) into the prompt, and refuses with `SKILL_BODY_TOO_LARGE` when its UTF-8 size exceeds `skills.injection.max_bytes` (equal is allowed). Fix: move detail into `references/` files, or raise the limit.",
    runtime: "Injection fails with `SKILL_BODY_TOO_LARGE`.",
    runtime_code: "SKILL_BODY_TOO_LARGE",
});

rule!(BROKEN_LINK {
    code: "SK204",
    name: "broken-link",
    severity: Warning,
    summary: "A relative link in the body points at a missing file",
    explanation: "Links such as `[guide](references/guide.md)` tell the model which bundle file to read (with `skill_ref_read`). A link to a file that does not exist sends it looking for nothing. Fix the path or add the file. Links with a scheme (`https:`), absolute paths and pure `#anchors` are not checked.",
    runtime: "`skill_ref_read` on that path fails with `SKILL_REF_NOT_FOUND`.",
    runtime_code: "SKILL_REF_NOT_FOUND",
});

rule!(ACTION_INVALID {
    code: "SK205",
    name: "action-invalid",
    severity: Warning,
    summary: "An `actions` entry the runtime cannot run",
    explanation: "`skill_exec` validates an action only when it is called: it must be a mapping with `argv` (a non-empty list of strings), optional `kind: shell`, `timeout_ms` (an integer ≥ 1) and `env` (string keys; string, number or boolean values). A broken definition is only discovered mid-run. Fix the entry as the message says.",
    runtime: "`skill_exec` fails with `SKILL_ACTION_DEFINITION_INVALID` (or `SKILL_ACTION_NOT_FOUND` when `actions` is not a mapping).",
    runtime_code: "SKILL_ACTION_DEFINITION_INVALID",
});

rule!(ACTION_ARGV_PATH {
    code: "SK206",
    name: "action-argv-path",
    severity: Warning,
    summary: "An action's `argv` path is outside `actions/` or does not exist",
    explanation: "In `argv[1:]`, any element containing `/` or starting with `.` is treated as a path: it must be relative, start with `actions/`, contain no `..`, stay inside the bundle's `actions/` directory after resolving symlinks, and exist as a file. `./run.sh` and `scripts/x.py` are refused. Fix: put scripts under `actions/` and reference them as `actions/<file>`.",
    runtime: "`skill_exec` fails with `SKILL_ACTION_ARGV_PATH_ESCAPE` or `SKILL_ACTION_ARGV_PATH_INVALID`.",
    runtime_code: "SKILL_ACTION_ARGV_PATH_ESCAPE",
});

/// `agents/openai.yaml`, which the runtime's loader reads for env-var dependencies while
/// scanning: YAML errors fail open, but a non-UTF-8 file or a value PyYAML cannot construct
/// raises past the loader and fails the whole scan.
pub fn check_agents_yaml(
    bundle_dir: &Path,
) -> Option<(crate::skill::ScanCrash, crate::diagnostic::Diagnostic)> {
    let path = bundle_dir.join("agents").join("openai.yaml");
    let meta = std::fs::metadata(&path).ok()?;
    let problem: (TextRange, String, Vec<u8>) = if !meta.is_file() {
        (TextRange::default(), "`agents/openai.yaml` is not a regular file; the runtime's loader fails reading it and its whole scan fails".into(), Vec::new())
    } else {
        let text = std::fs::read(&path).ok()?;
        match std::str::from_utf8(&text) {
            Err(e) => {
                let at = e.valid_up_to();
                (TextRange::new(at, at + 1), "invalid UTF-8 in `agents/openai.yaml`: the runtime's loader raises UnicodeDecodeError and its whole scan fails".into(), text)
            }
            Ok(s) => match crate::yaml::parse(s, 0).and_then(|d| d.check_construct()) {
                Err(crate::yaml::LoadProblem::Crash(e)) => (
                    e.range,
                    format!(
                        "{} in `agents/openai.yaml`; the runtime's loader does not catch this and its whole scan fails",
                        e.message
                    ),
                    text,
                ),
                _ => return None,
            },
        }
    };
    let (range, message, text) = problem;
    let mut sink = FileSink::new(path, &text);
    sink.emit(&super::frontmatter::SCAN_CRASH, range, message.clone());
    let d = sink.out.pop()?;
    Some((
        crate::skill::ScanCrash::Constructor(crate::yaml::YamlError { range, message }),
        d,
    ))
}

/// Size check against `skills.injection.max_bytes`.
pub fn check_size(sink: &mut FileSink, max_bytes: Option<u64>) {
    let Some(max) = max_bytes else { return };
    let size = sink.text.len() as u64;
    if size > max {
        sink.emit(&BODY_TOO_LARGE, TextRange::empty(0), format!("this file is {size} bytes; `skills.injection.max_bytes` is {max}, so injecting the skill fails (SKILL_BODY_TOO_LARGE)"))
            .help("move detail into references/ files or raise skills.injection.max_bytes");
    }
}

/// Reports relative links whose target file does not exist under the bundle directory.
pub fn check_links(doc: &SkillDocument, sink: &mut FileSink, bundle_dir: &Path) {
    let Some(body_start) = doc.body_start() else {
        return;
    };
    for link in crate::markdown::links(sink.text, body_start)
        .into_iter()
        .filter(crate::markdown::Link::is_relative)
    {
        let rel = link.path();
        if rel.is_empty() {
            continue;
        }
        if !bundle_dir.join(&rel).exists() {
            sink.emit(&BROKEN_LINK, link.range, format!("`{rel}` does not exist in this skill's directory"))
                .help("fix the path, or add the file (bundle files for the model belong under references/)");
        }
    }
}

fn python_int_coercible(y: &crate::yaml::YamlDoc, id: crate::yaml::NodeId) -> Option<i64> {
    let text = y.scalar_text(id)?;
    match y.kind(id) {
        ScalarKind::Int => text.replace('_', "").parse::<i64>().ok().or(Some(1)),
        ScalarKind::Float => text.parse::<f64>().ok().map(|f| f as i64),
        ScalarKind::Bool => Some(i64::from(matches!(
            text,
            "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON"
        ))),
        ScalarKind::Str => text.trim().replace('_', "").parse::<i64>().ok(),
        _ => None,
    }
}

/// Checks `actions` the way `skill_exec` will, including `argv` paths against the bundle.
pub fn check_actions(doc: &SkillDocument, sink: &mut FileSink, bundle_dir: &Path) {
    let (Some(y), Some(actions)) = (doc.yaml.as_ref(), doc.field("actions")) else {
        return;
    };
    let Some(entries) = y.entries(actions.node) else {
        if actions.kind != ScalarKind::Null {
            sink.emit(&ACTION_INVALID, actions.value, format!("`actions` is {}, not a mapping of action ids to actions; every `skill_exec` call fails (SKILL_ACTION_NOT_FOUND)", actions.kind.python_name()));
        }
        return;
    };
    let actions_dir = bundle_dir.join("actions");
    for e in entries {
        let id = y.scalar_text(e.key).unwrap_or("?").to_string();
        let action = y.target(e.value);
        let Some(fields) = y.entries(action) else {
            sink.emit(
                &ACTION_INVALID,
                y.span(e.value),
                format!("action `{id}` must be a mapping with `argv`"),
            );
            continue;
        };
        let get = |k: &str| {
            fields
                .iter()
                .find(|f| y.as_str(f.key) == Some(k))
                .map(|f| y.target(f.value))
        };

        if let Some(kind) = get("kind") {
            let ok = y
                .as_str(kind)
                .is_some_and(|s| s.trim().eq_ignore_ascii_case("shell"));
            if !ok {
                sink.emit(
                    &ACTION_INVALID,
                    y.span(kind),
                    format!(
                        "action `{id}`: `kind` must be `shell` (the only kind `skill_exec` runs)"
                    ),
                );
            }
        }
        match get("argv") {
            None => {
                sink.emit(
                    &ACTION_INVALID,
                    y.span(e.key),
                    format!("action `{id}` has no `argv`"),
                );
            }
            Some(argv) => match y.items(argv) {
                Some(items) if !items.is_empty() => {
                    for (i, &item) in items.iter().enumerate() {
                        let Some(arg) = y.as_str(item) else {
                            sink.emit(
                                &ACTION_INVALID,
                                y.span(item),
                                format!(
                                    "action `{id}`: `argv[{i}]` is {}, not a string",
                                    y.kind(item).python_name()
                                ),
                            );
                            continue;
                        };
                        if i >= 1 {
                            check_argv_path(sink, &id, arg, y.span(item), bundle_dir, &actions_dir);
                        }
                    }
                }
                _ => {
                    sink.emit(
                        &ACTION_INVALID,
                        y.span(argv),
                        format!("action `{id}`: `argv` must be a non-empty list of strings"),
                    );
                }
            },
        }
        if let Some(t) = get("timeout_ms") {
            match python_int_coercible(y, t) {
                Some(v) if v >= 1 => {}
                _ => {
                    sink.emit(
                        &ACTION_INVALID,
                        y.span(t),
                        format!("action `{id}`: `timeout_ms` must be an integer ≥ 1"),
                    );
                }
            }
        }
        if let Some(env) = get("env") {
            match &y.node(env).kind {
                NodeKind::Map { .. } => {
                    for f in y.entries(env).unwrap_or_default() {
                        if y.kind(f.key) != ScalarKind::Str {
                            sink.emit(
                                &ACTION_INVALID,
                                y.span(f.key),
                                format!("action `{id}`: `env` keys must be strings"),
                            );
                        } else if !matches!(
                            y.kind(f.value),
                            ScalarKind::Str
                                | ScalarKind::Int
                                | ScalarKind::Float
                                | ScalarKind::Bool
                        ) {
                            sink.emit(&ACTION_INVALID, y.span(f.value), format!("action `{id}`: `env` values must be strings, numbers or booleans"));
                        }
                    }
                }
                _ => {
                    sink.emit(
                        &ACTION_INVALID,
                        y.span(env),
                        format!("action `{id}`: `env` must be a mapping"),
                    );
                }
            }
        }
    }
}

fn check_argv_path(
    sink: &mut FileSink,
    id: &str,
    arg: &str,
    range: TextRange,
    bundle_dir: &Path,
    actions_dir: &Path,
) {
    if !(arg.contains('/') || arg.starts_with('.')) {
        return;
    }
    let problem = if arg.starts_with('/') {
        Some(format!("`{arg}` is absolute"))
    } else if !arg.starts_with("actions/") {
        Some(format!(
            "`{arg}` looks like a path but does not start with `actions/`"
        ))
    } else if Path::new(arg)
        .components()
        .any(|c| c == Component::ParentDir)
    {
        Some(format!("`{arg}` contains `..`"))
    } else {
        None
    };
    if let Some(why) = problem {
        sink.emit(
            &ACTION_ARGV_PATH,
            range,
            format!(
                "action `{id}`: {why}; `skill_exec` refuses it (SKILL_ACTION_ARGV_PATH_ESCAPE)"
            ),
        )
        .help("put the script under actions/ and reference it as actions/<file>");
        return;
    }
    let target = bundle_dir.join(arg);
    match (target.canonicalize(), actions_dir.canonicalize()) {
        (Ok(real), Ok(dir)) if !real.starts_with(&dir) => {
            sink.emit(&ACTION_ARGV_PATH, range, format!("action `{id}`: `{arg}` resolves outside this skill's actions/ directory (SKILL_ACTION_ARGV_PATH_ESCAPE)"));
        }
        (Ok(real), _) if real.is_file() => {}
        _ => {
            sink.emit(&ACTION_ARGV_PATH, range, format!("action `{id}`: `{arg}` does not exist in this skill's bundle (SKILL_ACTION_ARGV_PATH_INVALID)"))
                .help("create the script or fix the path");
        }
    }
}
