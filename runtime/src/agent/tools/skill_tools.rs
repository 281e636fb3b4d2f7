//! The skill tools: `skill_exec` runs an action declared in a skill's SKILL.md frontmatter
//! (`actions.<id>: {argv, timeout_ms?, env?, kind?}`) through `shell_exec`; `skill_ref_read`
//! reads a file under the skill's `references/` (or `assets/`) directory. Both are off unless
//! enabled in the config, and both answer with the reference's structured framework errors
//! (`data.error = {code, message, details}`).
//!
//! [`resolve_skill_action`] gives the approval request what `skill_exec` would run, without
//! running it.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value, json};

use super::python_repr::float_repr;
use super::shell::{self, ShellRequest};
use super::{ToolContext, ToolResult, confined, paths};
use crate::agent::safety::SkillActionIntent;
use crate::index::IndexedSkill;
use crate::mentions::Mention;
use crate::skill::SkillDocument;
use crate::text::{parse_python_int, python_strip};
use crate::yaml::{NodeId, NodeKind, ScalarKind, YamlDoc};

/// Deepest YAML nesting converted from an action definition.
const MAX_ACTION_DEPTH: usize = 64;

/// The reference's `FrameworkError`.
#[derive(Debug, Clone)]
struct FrameworkError {
    code: String,
    message: String,
    details: Value,
}

impl FrameworkError {
    fn new(code: &str, message: &str, details: Value) -> Self {
        FrameworkError {
            code: code.into(),
            message: message.into(),
            details,
        }
    }

    fn into_result(self, kind: &str) -> ToolResult {
        ToolResult::error_with_data(
            kind,
            self.message.clone(),
            json!({"error": {"code": self.code, "message": self.message, "details": self.details}}),
        )
    }
}

impl std::fmt::Display for FrameworkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// Resolves `skill_mention` / `action_id` (both trimmed here) the way the reference's
/// `SkillExecDescriptor` does for approvals.
pub fn resolve_skill_action(
    ctx: &ToolContext,
    skill_mention: &str,
    action_id: &str,
) -> SkillActionIntent {
    let mention = python_strip(skill_mention);
    let action = python_strip(action_id);
    let mut intent = SkillActionIntent::default();
    if mention.is_empty() || action.is_empty() {
        return intent;
    }
    let Some(parsed) = crate::mentions::parse_single(mention) else {
        intent.resolve_error = Some("not_a_single_full_token".into());
        return intent;
    };
    let skill = match lookup(ctx, &parsed) {
        Ok(s) => s,
        Err(e) => {
            intent.resolve_error = Some(e.to_string());
            return intent;
        }
    };
    let bundle_root = bundle_root(ctx, skill);
    intent.bundle_root = Some(paths::display(&bundle_root));
    let Some(Value::Object(def)) = action_definition(ctx, skill, action) else {
        return intent;
    };
    if let Some(argv) = string_list(def.get("argv")) {
        intent.argv = argv.clone();
        match materialize_argv(&bundle_root, &argv) {
            Ok(out) => intent.argv = out,
            Err(e) => {
                intent.resolve_error = Some(
                    if e.code.ends_with("_ESCAPE") {
                        "argv_path_escape"
                    } else {
                        "argv_path_invalid"
                    }
                    .into(),
                )
            }
        }
    }
    if let Some(tm) = def.get("timeout_ms").filter(|v| !v.is_null()) {
        intent.timeout_ms = python_int(tm);
    }
    if let Some(Value::Object(env)) = def.get("env") {
        let mut keys: Vec<String> = env.keys().cloned().collect();
        keys.sort();
        intent.env_keys = keys;
    }
    intent
}

pub(crate) async fn skill_exec(args: &Map<String, Value>, ctx: &ToolContext) -> ToolResult {
    // Reading the SKILL.md, parsing it and resolving the action's paths is file-system work:
    // it runs on the blocking pool, the command itself on the executor.
    let (owned_args, owned_ctx) = (args.clone(), ctx.clone());
    let prepared =
        tokio::task::spawn_blocking(move || skill_exec_request(&owned_args, &owned_ctx)).await;
    match prepared {
        Ok(SkillExecPlan::Run(request)) => shell::run(request, ctx).await,
        Ok(SkillExecPlan::Refused(refused)) => refused,
        Err(e) => ToolResult::error("unknown", format!("tool task failed: {e}")),
    }
}

/// What `skill_exec` runs, or the result that refuses it.
enum SkillExecPlan {
    Run(ShellRequest),
    Refused(ToolResult),
}

fn skill_exec_request(args: &Map<String, Value>, ctx: &ToolContext) -> SkillExecPlan {
    use SkillExecPlan::{Refused, Run};
    let invalid = |message: &str, details: Value| {
        Refused(
            FrameworkError::new("SKILL_ACTION_DEFINITION_INVALID", message, details)
                .into_result("validation"),
        )
    };
    if !ctx.config.skills.actions_enabled {
        return Refused(
            FrameworkError::new(
                "SKILL_ACTIONS_DISABLED",
                "Skill actions are disabled by configuration.",
                json!({"config_key": "skills.actions.enabled"}),
            )
            .into_result("permission"),
        );
    }
    if let Some(unknown) = unknown_fields(args, &["skill_mention", "action_id"]) {
        return invalid(
            "skill_exec arguments contain unknown fields.",
            json!({"unknown_fields": unknown}),
        );
    }
    let (Some(mention), Some(action_id)) = (
        args.get("skill_mention").and_then(Value::as_str),
        args.get("action_id").and_then(Value::as_str),
    ) else {
        return invalid(
            "skill_exec arguments are invalid.",
            json!({"required": ["skill_mention", "action_id"]}),
        );
    };
    if python_strip(mention).is_empty() || python_strip(action_id).is_empty() {
        return invalid(
            "skill_exec arguments are invalid.",
            json!({"required": ["skill_mention", "action_id"]}),
        );
    }
    let action_id = python_strip(action_id);

    let (mention_text, bundle_root, def) = match resolve_bundle(ctx, mention, action_id) {
        Ok(b) => b,
        Err(e) => {
            let kind = match e.code.as_str() {
                "SKILL_UNKNOWN" | "SKILL_ACTION_NOT_FOUND" | "SKILL_BUNDLE_NOT_FOUND" => {
                    "not_found"
                }
                "SKILL_ACTIONS_DISABLED"
                | "SKILL_ACTION_ARGV_PATH_ESCAPE"
                | "SKILL_BUNDLE_TOO_LARGE" => "permission",
                _ => "validation",
            };
            return Refused(e.into_result(kind));
        }
    };
    let ids = || json!({"mention": mention_text, "action_id": action_id});

    let kind = match def.get("kind") {
        None | Some(Value::Null) => "shell".to_owned(),
        Some(Value::String(s)) => {
            let k = python_strip(s).to_lowercase();
            if k.is_empty() { "shell".to_owned() } else { k }
        }
        Some(_) => {
            return invalid(
                "Skill action definition is invalid. Expected kind to be a string.",
                ids(),
            );
        }
    };
    if kind != "shell" {
        return invalid(
            "Only shell actions are supported in current version.",
            json!({"mention": mention_text, "action_id": action_id, "kind": kind}),
        );
    }

    let argv = match string_list(def.get("argv")).filter(|a| !a.is_empty()) {
        Some(a) => a,
        None => {
            return invalid(
                "Skill action definition is invalid. Expected argv to be a list of strings.",
                json!({"field": "argv", "expected": "string[]"}),
            );
        }
    };
    let argv = match materialize_argv(&bundle_root, &argv) {
        Ok(a) => a,
        Err(e) => {
            let kind = if e.code.ends_with("_ESCAPE") {
                "permission"
            } else {
                "validation"
            };
            return Refused(e.into_result(kind));
        }
    };

    let mut env: HashMap<String, String> = HashMap::new();
    match def.get("env") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Bool(true) => "True".into(),
                    Value::Bool(false) => "False".into(),
                    Value::Number(n) if n.is_f64() => float_repr(n.as_f64().unwrap_or(0.0)),
                    Value::Number(n) => n.to_string(),
                    _ => {
                        return invalid(
                            "Skill action env is invalid. Expected a string map.",
                            ids(),
                        );
                    }
                };
                env.insert(k.clone(), text);
            }
        }
        Some(_) => {
            return invalid("Skill action env is invalid. Expected a string map.", ids());
        }
    }
    let stable = [
        (
            "SKILLS_RUNTIME_SDK_WORKSPACE_ROOT",
            paths::display(&paths::resolve_real(&ctx.workspace_root)),
        ),
        (
            "SKILLS_RUNTIME_SDK_SKILL_BUNDLE_ROOT",
            paths::display(&paths::resolve_real(&bundle_root)),
        ),
        ("SKILLS_RUNTIME_SDK_SKILL_MENTION", mention_text.clone()),
        ("SKILLS_RUNTIME_SDK_SKILL_ACTION_ID", action_id.to_owned()),
    ];
    env.extend(stable.map(|(k, v)| (k.to_owned(), v)));

    let mut timeout_ms = None;
    if let Some(raw) = def.get("timeout_ms").filter(|v| !v.is_null()) {
        let Some(t) = python_int(raw) else {
            return invalid(
                "Skill action timeout_ms is invalid. Expected integer milliseconds.",
                json!({"mention": mention_text, "action_id": action_id, "timeout_ms": raw}),
            );
        };
        if t < 1 {
            return invalid(
                "Skill action timeout_ms must be >= 1.",
                json!({"mention": mention_text, "action_id": action_id, "timeout_ms": t}),
            );
        }
        timeout_ms = u64::try_from(t).ok();
    }

    Run(ShellRequest {
        argv,
        cwd: None,
        env,
        timeout_ms,
        sandbox: Some("inherit".into()),
    })
}

/// The mention, the bundle root and the action's definition (an object).
fn resolve_bundle(
    ctx: &ToolContext,
    mention: &str,
    action_id: &str,
) -> Result<(String, PathBuf, Map<String, Value>), FrameworkError> {
    let parsed = parse_mention(mention)?;
    let mention_text = parsed.text();
    let skill = lookup(ctx, &parsed)?;
    let root = bundle_root(ctx, skill);
    match action_definition(ctx, skill, action_id) {
        None | Some(Value::Null) => Err(FrameworkError::new(
            "SKILL_ACTION_NOT_FOUND",
            "Skill action is not found in SKILL.md frontmatter.",
            json!({"mention": mention_text, "action_id": action_id}),
        )),
        Some(Value::Object(def)) => Ok((mention_text, root, def)),
        Some(_) => Err(FrameworkError::new(
            "SKILL_ACTION_DEFINITION_INVALID",
            "Skill action definition is invalid. Expected an object.",
            json!({"mention": mention_text, "action_id": action_id}),
        )),
    }
}

fn parse_mention(token: &str) -> Result<Mention, FrameworkError> {
    let stripped = python_strip(token);
    crate::mentions::parse_single(stripped).ok_or_else(|| {
        FrameworkError::new(
            "SKILL_MENTION_FORMAT_INVALID",
            "Skill mention format is invalid. Use $[namespace].skill_name.",
            json!({"mention": stripped, "reason": "not_a_single_full_token"}),
        )
    })
}

/// The runtime's `resolve_mentions` for one mention (`manager_ops.resolve_mentions`), in its
/// order: nothing configured, then a scan error (blocks every mention), then a namespace that
/// is not an enabled space are "not configured"; a configured namespace without the skill
/// (even one with no skill indexed at all) is "unknown".
fn lookup<'a>(ctx: &'a ToolContext, m: &Mention) -> Result<&'a IndexedSkill, FrameworkError> {
    let configured = &ctx.config.skills.configured_namespaces;
    let not_configured = || {
        FrameworkError::new(
            "SKILL_SPACE_NOT_CONFIGURED",
            "Skill space is not configured or disabled.",
            json!({"mention": m.text(), "namespace": m.namespace}),
        )
    };
    if configured.is_empty() {
        return Err(not_configured());
    }
    let index = &ctx.skills;
    if let Some(err) = index.blocking_error() {
        return Err(FrameworkError::new(err.code, &err.message, json!({})));
    }
    if !configured.contains(&m.namespace) {
        return Err(not_configured());
    }
    if let Some(skill) = index.lookup(&m.namespace, &m.skill_name) {
        return Ok(skill);
    }
    Err(FrameworkError::new(
        "SKILL_UNKNOWN",
        "Referenced skill is not found in configured spaces.",
        json!({"mention": m.text()}),
    ))
}

fn skill_path<'a>(ctx: &'a ToolContext, skill: &'a IndexedSkill) -> &'a Path {
    ctx.skills
        .files
        .get(skill.file)
        .map(|f| f.path.as_path())
        .unwrap_or(skill.locator.as_path())
}

/// The directory holding the skill's SKILL.md, resolved.
fn bundle_root(ctx: &ToolContext, skill: &IndexedSkill) -> PathBuf {
    let path = skill_path(ctx, skill);
    paths::resolve_real(path.parent().unwrap_or(Path::new("/")))
}

/// `frontmatter.actions[action_id]` as Python values (JSON); `None` when the file, the
/// frontmatter or the key is missing or `actions` is not a mapping.
fn action_definition(ctx: &ToolContext, skill: &IndexedSkill, action_id: &str) -> Option<Value> {
    let bytes = std::fs::read(skill_path(ctx, skill)).ok()?;
    let doc = SkillDocument::parse(&bytes, usize::MAX);
    let yaml = doc.yaml.as_ref()?;
    let actions = doc.field("actions")?;
    if !yaml.is_map(actions.node) {
        return None;
    }
    let entry = yaml.get(actions.node, action_id)?;
    Some(yaml_to_json(yaml, entry.value, 0))
}

/// PyYAML's value of a node as JSON: strings, YAML 1.1 ints/floats/bools/nulls, lists, and
/// mappings (keys as text). Types with no JSON form (timestamps, binary, sets, non-finite
/// floats) become `null`, which every check here treats as invalid or absent.
fn yaml_to_json(y: &YamlDoc, id: NodeId, depth: usize) -> Value {
    if depth > MAX_ACTION_DEPTH {
        return Value::Null;
    }
    let id = y.target(id);
    match y.kind(id) {
        ScalarKind::Str => Value::String(y.scalar_text(id).unwrap_or_default().to_owned()),
        ScalarKind::Bool => {
            let t = y.scalar_text(id).unwrap_or_default().to_ascii_lowercase();
            Value::Bool(matches!(t.as_str(), "yes" | "true" | "on"))
        }
        ScalarKind::Int => yaml_int(y.scalar_text(id).unwrap_or_default())
            .map(Value::from)
            .unwrap_or(Value::Null),
        ScalarKind::Float => yaml_float(y.scalar_text(id).unwrap_or_default())
            .filter(|f| f.is_finite())
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        ScalarKind::Seq => Value::Array(
            y.items(id)
                .unwrap_or_default()
                .iter()
                .map(|&i| yaml_to_json(y, i, depth + 1))
                .collect(),
        ),
        ScalarKind::Map => {
            let mut out = Map::new();
            for e in y.entries(id).unwrap_or_default() {
                let key = match &y.node(y.target(e.key)).kind {
                    NodeKind::Scalar { value, .. } => value.clone(),
                    _ => continue,
                };
                out.insert(key, yaml_to_json(y, e.value, depth + 1));
            }
            Value::Object(out)
        }
        _ => Value::Null,
    }
}

/// PyYAML's `construct_yaml_int`: `_` ignored, sign, `0b`, `0x`, leading-`0` octal, and
/// base-60 `a:b:c`.
fn yaml_int(text: &str) -> Option<i64> {
    let t: String = text.chars().filter(|c| *c != '_').collect();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r.to_owned()),
        None => (false, t.strip_prefix('+').unwrap_or(&t).to_owned()),
    };
    let n = if t == "0" {
        0
    } else if let Some(b) = t.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()?
    } else if let Some(h) = t.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = t.strip_prefix('0') {
        i64::from_str_radix(o, 8).ok()?
    } else if t.contains(':') {
        t.split(':').try_fold(0i64, |acc, part| {
            acc.checked_mul(60)?.checked_add(part.parse::<i64>().ok()?)
        })?
    } else {
        t.parse().ok()?
    };
    Some(if neg { -n } else { n })
}

/// PyYAML's `construct_yaml_float` (finite values; `.inf`/`.nan` give non-finite floats).
fn yaml_float(text: &str) -> Option<f64> {
    let t: String = text
        .chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_lowercase();
    let (sign, t) = match t.strip_prefix('-') {
        Some(r) => (-1.0, r.to_owned()),
        None => (1.0, t.strip_prefix('+').unwrap_or(&t).to_owned()),
    };
    let v = if t == ".inf" {
        f64::INFINITY
    } else if t == ".nan" {
        f64::NAN
    } else if t.contains(':') {
        t.split(':').try_fold(0.0f64, |acc, part| {
            Some(acc * 60.0 + part.parse::<f64>().ok()?)
        })?
    } else {
        t.parse().ok()?
    };
    Some(sign * v)
}

/// Python's `int(v)` for the values JSON or YAML give: ints, bools, floats (truncated), and
/// integer strings. `None` where Python raises.
fn python_int(v: &Value) -> Option<i64> {
    match v {
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Number(n) => n.as_i64().or_else(|| {
            let f = n.as_f64()?;
            (f.is_finite() && f.abs() < 9.2e18).then_some(f.trunc() as i64)
        }),
        Value::String(s) => parse_python_int(python_strip(s)).and_then(|n| i64::try_from(n).ok()),
        _ => None,
    }
}

fn string_list(v: Option<&Value>) -> Option<Vec<String>> {
    v?.as_array()?
        .iter()
        .map(|x| x.as_str().map(str::to_owned))
        .collect()
}

/// Checks the action's argv: items after the first that look like paths (contain `/` or start
/// with `.`) must be relative, start with `actions/`, have no `..`, stay inside the bundle's
/// `actions/` once resolved, and name an existing file; they are replaced by absolute paths.
fn materialize_argv(bundle_root: &Path, argv: &[String]) -> Result<Vec<String>, FrameworkError> {
    let escape = |message: &str, details: Value| {
        FrameworkError::new("SKILL_ACTION_ARGV_PATH_ESCAPE", message, details)
    };
    let actions_dir = paths::resolve_real(&bundle_root.join("actions"));
    let mut out = argv.to_vec();
    for (i, raw) in argv.iter().enumerate().skip(1) {
        if raw.is_empty() || !(raw.contains('/') || raw.starts_with('.')) {
            continue;
        }
        if raw.starts_with('/') {
            return Err(escape(
                "Action argv path must be relative and stay within bundle actions/ directory.",
                json!({"argv_index": i, "path": raw}),
            ));
        }
        if !raw.starts_with("actions/") {
            return Err(escape(
                "Action argv path must stay within bundle actions/ directory.",
                json!({"argv_index": i, "path": raw, "required_prefix": "actions/"}),
            ));
        }
        if Path::new(raw)
            .components()
            .any(|c| c == Component::ParentDir)
        {
            return Err(escape(
                "Action argv path must not contain '..'.",
                json!({"argv_index": i, "path": raw}),
            ));
        }
        let resolved = paths::resolve_real(&bundle_root.join(raw));
        let shown = paths::display(&resolved);
        if !resolved.starts_with(&actions_dir) {
            return Err(escape(
                "Action argv path escapes allowed actions/ directory.",
                json!({"argv_index": i, "path": raw, "resolved": shown}),
            ));
        }
        if !resolved.is_file() {
            return Err(FrameworkError::new(
                "SKILL_ACTION_ARGV_PATH_INVALID",
                "Action argv script path does not exist in bundle.",
                json!({"argv_index": i, "path": raw, "resolved": shown}),
            ));
        }
        out[i] = shown;
    }
    Ok(out)
}

/// Sorted names of arguments outside `allowed`, if any.
fn unknown_fields(args: &Map<String, Value>, allowed: &[&str]) -> Option<Vec<String>> {
    let mut unknown: Vec<String> = args
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .cloned()
        .collect();
    unknown.sort();
    (!unknown.is_empty()).then_some(unknown)
}

pub(crate) fn skill_ref_read(args: &Map<String, Value>, ctx: &ToolContext) -> ToolResult {
    let path_invalid = |message: &str, details: Value| {
        FrameworkError::new("SKILL_REF_PATH_INVALID", message, details)
    };
    if !ctx.config.skills.references_enabled {
        return FrameworkError::new(
            "SKILL_REFERENCES_DISABLED",
            "Skill references reading is disabled by configuration.",
            json!({"config_key": "skills.references.enabled"}),
        )
        .into_result("permission");
    }
    if let Some(unknown) = unknown_fields(args, &["skill_mention", "ref_path", "max_bytes"]) {
        return path_invalid(
            "skill_ref_read arguments contain unknown fields.",
            json!({"unknown_fields": unknown}),
        )
        .into_result("validation");
    }
    let (Some(mention), Some(ref_path)) = (
        args.get("skill_mention").and_then(Value::as_str),
        args.get("ref_path").and_then(Value::as_str),
    ) else {
        return path_invalid(
            "skill_ref_read arguments are invalid.",
            json!({"required": ["skill_mention", "ref_path"]}),
        )
        .into_result("validation");
    };
    let parsed = match parse_mention(mention) {
        Ok(m) => m,
        Err(e) => return e.into_result("validation"),
    };
    let skill = match lookup(ctx, &parsed) {
        Ok(s) => s,
        Err(e) => {
            let kind = if e.code == "SKILL_UNKNOWN" {
                "not_found"
            } else {
                "validation"
            };
            return e.into_result(kind);
        }
    };
    let root = bundle_root(ctx, skill);
    let allow_assets = ctx.config.skills.references_allow_assets;
    let (root_name, rel) = match check_ref_path(ref_path, allow_assets) {
        Ok(r) => r,
        Err(e) => return e.into_result("permission"),
    };
    let allowed_dir = paths::resolve_real(&root.join(root_name));
    let candidate = paths::resolve_real(&root.join(&rel));
    if !candidate.starts_with(&allowed_dir) {
        return FrameworkError::new(
            "SKILL_REF_PATH_ESCAPE",
            "ref_path escapes allowed directory boundary.",
            json!({
                "ref_path": ref_path,
                "resolved": paths::display(&candidate),
                "allowed_dir": paths::display(&allowed_dir),
            }),
        )
        .into_result("permission");
    }
    if !candidate.is_file() {
        return FrameworkError::new(
            "SKILL_REF_NOT_FOUND",
            "Referenced file is not found in skill bundle.",
            json!({"ref_path": ref_path, "resolved": paths::display(&candidate)}),
        )
        .into_result("not_found");
    }
    let mut max_bytes =
        i64::try_from(ctx.config.skills.references_default_max_bytes).unwrap_or(i64::MAX);
    if let Some(raw) = args.get("max_bytes").filter(|v| !v.is_null()) {
        let Some(n) = python_int(raw) else {
            return path_invalid("max_bytes must be an integer.", json!({"max_bytes": raw}))
                .into_result("validation");
        };
        if n < 1 {
            return path_invalid("max_bytes must be >= 1.", json!({"max_bytes": n}))
                .into_result("validation");
        }
        max_bytes = n;
    }
    let limit = usize::try_from(max_bytes).unwrap_or(usize::MAX);
    let data = match read_prefix(&allowed_dir, &candidate, limit.saturating_add(1)) {
        Ok(d) => d,
        Err((e, at)) => {
            return ToolResult::error("unknown", super::os_error_text(&e, &paths::display(&at)));
        }
    };
    let truncated = data.len() > limit;
    let mut text = String::from_utf8_lossy(&data[..data.len().min(limit)]).into_owned();
    if truncated {
        text.push_str("\n<truncated>");
    }
    ToolResult {
        truncated,
        ..ToolResult::success(text, None)
    }
}

/// The first `n` bytes of the regular file `path`, opened beneath `dir` ([`confined`]).
fn read_prefix(dir: &Path, path: &Path, n: usize) -> Result<Vec<u8>, confined::Failure> {
    use std::io::Read;
    let mut out = Vec::new();
    confined::open_regular(dir, path)?
        .take(u64::try_from(n).unwrap_or(u64::MAX))
        .read_to_end(&mut out)
        .map_err(|e| (e, path.to_path_buf()))?;
    Ok(out)
}

/// `ref_path` must be relative, free of `..`, and start with `references/` (or `assets/` when
/// allowed). Returns the allowed root's name and the normalized relative path.
fn check_ref_path(
    ref_path: &str,
    allow_assets: bool,
) -> Result<(&'static str, PathBuf), FrameworkError> {
    let raw = python_strip(ref_path);
    let p = Path::new(raw);
    if raw.is_empty() || p.is_absolute() {
        return Err(FrameworkError::new(
            "SKILL_REF_PATH_INVALID",
            "ref_path must be a relative path within allowed directories.",
            json!({"ref_path": raw}),
        ));
    }
    // pathlib's `parts`: `.` components and repeated separators vanish.
    let parts: Vec<&std::ffi::OsStr> = p
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n),
            Component::ParentDir => Some(std::ffi::OsStr::new("..")),
            _ => None,
        })
        .collect();
    if parts.iter().any(|s| *s == "..") {
        return Err(FrameworkError::new(
            "SKILL_REF_PATH_INVALID",
            "ref_path must not contain '..' segments.",
            json!({"ref_path": raw}),
        ));
    }
    let rel: PathBuf = parts.iter().collect();
    match parts.first().and_then(|s| s.to_str()) {
        Some("references") => Ok(("references", rel)),
        Some("assets") if allow_assets => Ok(("assets", rel)),
        _ => Err(FrameworkError::new(
            "SKILL_REF_PATH_INVALID",
            "ref_path must start with 'references/' (or 'assets/' when enabled).",
            json!({"ref_path": raw, "allow_assets": allow_assets}),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_numbers_follow_pyyaml() {
        assert_eq!(yaml_int("1_000"), Some(1000));
        assert_eq!(yaml_int("0x1f"), Some(31));
        assert_eq!(yaml_int("017"), Some(15));
        assert_eq!(yaml_int("-0b101"), Some(-5));
        assert_eq!(yaml_int("1:30"), Some(90));
        assert_eq!(yaml_float("1.5"), Some(1.5));
        assert_eq!(yaml_float("1:30.5"), Some(90.5));
    }

    #[test]
    fn python_int_accepts_what_int_accepts() {
        assert_eq!(python_int(&json!(5)), Some(5));
        assert_eq!(python_int(&json!(2.9)), Some(2));
        assert_eq!(python_int(&json!(" 1_0 ")), Some(10));
        assert_eq!(python_int(&json!(true)), Some(1));
        assert_eq!(python_int(&json!("1.5")), None);
        assert_eq!(python_int(&json!([1])), None);
    }

    #[test]
    fn ref_paths_are_limited_to_references_and_assets() {
        assert_eq!(
            check_ref_path("./references//a.md", false).unwrap(),
            ("references", PathBuf::from("references/a.md"))
        );
        assert_eq!(
            check_ref_path("references/../x", false)
                .unwrap_err()
                .message,
            "ref_path must not contain '..' segments."
        );
        assert_eq!(
            check_ref_path("/etc/passwd", false).unwrap_err().message,
            "ref_path must be a relative path within allowed directories."
        );
        assert!(check_ref_path("assets/a.png", false).is_err());
        assert!(check_ref_path("assets/a.png", true).is_ok());
    }
}
