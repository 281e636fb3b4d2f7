//! What the gate shows and logs about a tool call (spec §4.5, §4.6, §6.5): the sanitized request
//! (no env values, no file/patch/stdin content), the approval summary, and the `approval_key`.
//!
//! The reference builds one sanitized object per call and uses it three times: as
//! `tool_call_requested.arguments` (and the `llm_response_delta` tool calls), as
//! `approval_requested.request`, and, in canonical form, as the input of the approval key. Key
//! order follows the reference's descriptors (`P/safety/descriptors.py`), because the WAL keeps
//! insertion order. One deliberate divergence: what is logged and shown has secret values
//! redacted for every tool, while the key is still computed from the reference's object.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::guard::{CommandRisk, evaluate_argv_or_blank};
use super::intent::{ShellIntent, parse_shell_intent};
use super::redact::{Redactor, redact_event_arguments};
use crate::agent::json::{PyDumps, canonical_json, py_dumps, python_str};
use crate::agent::tools::GateCategory;
use crate::text::{python_splitlines, python_strip};

/// What a `skill_exec` call would run, resolved by the caller from the skill index the way the
/// reference's `SkillExecDescriptor._resolve_action_intent` does (it is ignored unless the
/// trimmed `skill_mention` and `action_id` are both non-empty):
/// 1. the trimmed mention must be exactly one full mention token, else only
///    `resolve_error = "not_a_single_full_token"`;
/// 2. an unknown skill leaves everything `Default` (no error); a resolver failure sets
///    `resolve_error` to its message;
/// 3. `bundle_root` = the skill directory, resolved; then, if `actions.<id>` is a mapping whose
///    `argv` is a list of strings, `argv` = that list with each later item that looks like a
///    path (contains `/` or starts with `.`) replaced by its resolved absolute path, which must
///    start with `actions/`, have no `..` part, stay under `<bundle_root>/actions` and be an
///    existing file; otherwise `resolve_error` = `argv_path_escape` / `argv_path_invalid` and
///    `argv` stays as declared;
/// 4. `timeout_ms` = `int(actions.<id>.timeout_ms)` when that converts; `env_keys` = the names
///    of `actions.<id>.env` when it is a mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkillActionIntent {
    /// The skill directory, resolved (`str(Path(skill.path).parent.resolve())`).
    pub bundle_root: Option<String>,
    /// Only for bundle-backed skills (always `None` from [`crate::agent::tools`]: only
    /// filesystem bundles exist there).
    pub bundle_sha256: Option<String>,
    /// The action's argv with bundle script paths made absolute (as declared when a path check
    /// fails, `[]` when the action cannot be read).
    pub argv: Vec<String>,
    pub timeout_ms: Option<i64>,
    /// Names of the action's `env`; sorted when the request is built, any order will do.
    pub env_keys: Vec<String>,
    /// `not_a_single_full_token`, `argv_path_escape`, `argv_path_invalid`, or a resolution
    /// error as `CODE: message`.
    pub resolve_error: Option<String>,
}

/// What the approval UI gets (`approval_requested` payload) and what a decision is cached under.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalRequest {
    pub tool: String,
    /// One display line (`授权：<tool> 执行命令：<command>`); not hashed.
    pub summary: String,
    /// The sanitized request (a JSON object).
    pub request: Value,
    /// Lowercase hex sha256 of the canonical `{"tool", "request"}` (spec §4.7).
    pub approval_key: String,
}

impl ApprovalRequest {
    /// `{"approval_key", "tool", "summary", "request"}`, the `approval_requested` payload.
    pub fn event_payload(&self) -> Value {
        json!({
            "approval_key": self.approval_key,
            "tool": self.tool,
            "summary": self.summary,
            "request": self.request,
        })
    }
}

/// The reference's safety descriptors: the eight built-ins with their own sanitizer, tools
/// without one (custom tools and ungated built-ins), and names with no registered tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Descriptor {
    ShellExec,
    Shell,
    ShellCommand,
    ExecCommand,
    WriteStdin,
    FileWrite,
    ApplyPatch,
    SkillExec,
    Passthrough,
    Deny,
}

impl Descriptor {
    fn of(tool: &str, category: Option<GateCategory>) -> Descriptor {
        if category.is_none() {
            return Descriptor::Deny;
        }
        match tool {
            "shell_exec" => Descriptor::ShellExec,
            "shell" => Descriptor::Shell,
            "shell_command" => Descriptor::ShellCommand,
            "exec_command" => Descriptor::ExecCommand,
            "write_stdin" => Descriptor::WriteStdin,
            "file_write" => Descriptor::FileWrite,
            "apply_patch" => Descriptor::ApplyPatch,
            "skill_exec" => Descriptor::SkillExec,
            _ => Descriptor::Passthrough,
        }
    }

    /// One of the eight built-ins with their own sanitizer (spec §4.6).
    fn has_own_sanitizer(self) -> bool {
        !matches!(self, Descriptor::Passthrough | Descriptor::Deny)
    }
}

/// The arguments as the WAL records them (`tool_call_requested.arguments`, the `arguments` of
/// `llm_response_delta` tool calls).
///
/// - `category`: the tool's gate category; `None` = no tool of that name is registered (the
///   reference logs only `{"error": …}` and the gate denies the call).
/// - `skill_action`: for `skill_exec`, what the action resolves to (see [`SkillActionIntent`]).
/// - `redactor`: the run's secret values. Tools without a descriptor are redacted as the
///   reference does. For the eight descriptor tools the reference logs argv and command text as
///   given; we go further and redact every string of their sanitized request too, except the
///   `*_sha256` digests (a deliberate divergence: a secret typed into a command must not reach
///   the WAL).
pub fn logged_arguments(
    tool: &str,
    category: Option<GateCategory>,
    args: &Map<String, Value>,
    skill_action: Option<&SkillActionIntent>,
    redactor: &Redactor,
) -> Map<String, Value> {
    let descriptor = Descriptor::of(tool, category);
    let mut request = reference_request(descriptor, args, skill_action, redactor);
    if descriptor.has_own_sanitizer() {
        redact_strings_except_digests(&mut request, redactor);
    }
    request
}

/// The approval request for a call the policy answered with "ask".
///
/// `approval_key` is computed from the reference's sanitized request, so it is byte-identical to
/// the reference's key; `request` and `summary` are what the approval UI and the WAL show, with
/// secrets redacted as in [`logged_arguments`].
pub fn approval_request(
    tool: &str,
    category: Option<GateCategory>,
    args: &Map<String, Value>,
    skill_action: Option<&SkillActionIntent>,
    redactor: &Redactor,
) -> ApprovalRequest {
    let descriptor = Descriptor::of(tool, category);
    let mut request = reference_request(descriptor, args, skill_action, redactor);
    let mut summary = approval_summary(tool, &request);
    let approval_key = approval_key(tool, &Value::Object(request.clone()));
    if descriptor.has_own_sanitizer() {
        redact_strings_except_digests(&mut request, redactor);
        summary = redactor.redact_str(&summary).into_owned();
    }
    ApprovalRequest {
        tool: tool.to_string(),
        summary,
        request: Value::Object(request),
        approval_key,
    }
}

/// The reference's sanitized request (`sanitize_for_event` = `sanitize_for_approval`).
fn reference_request(
    descriptor: Descriptor,
    args: &Map<String, Value>,
    skill_action: Option<&SkillActionIntent>,
    redactor: &Redactor,
) -> Map<String, Value> {
    match descriptor {
        Descriptor::ShellExec => argv_tool_request(args, "argv", "cwd"),
        Descriptor::Shell => argv_tool_request(args, "command", "workdir"),
        Descriptor::ShellCommand => shell_command_request(args),
        Descriptor::ExecCommand => exec_command_request(args),
        Descriptor::WriteStdin => write_stdin_request(args),
        Descriptor::FileWrite => file_write_request(args),
        Descriptor::ApplyPatch => apply_patch_request(args),
        Descriptor::SkillExec => skill_exec_request(args, skill_action),
        Descriptor::Passthrough => redact_event_arguments(args, redactor),
        Descriptor::Deny => {
            let mut out = Map::new();
            out.insert(
                "error".into(),
                "Descriptor lookup failed; denying tool execution.".into(),
            );
            out
        }
    }
}

/// Every string in the request redacted, except the hex digests under `*_sha256` keys (a
/// secret such as `abcd` could occur in a digest by chance).
fn redact_strings_except_digests(request: &mut Map<String, Value>, redactor: &Redactor) {
    if redactor.is_empty() {
        return;
    }
    for (key, value) in request.iter_mut() {
        if !key.ends_with("_sha256") {
            redact_in_place(value, redactor);
        }
    }
}

fn redact_in_place(value: &mut Value, redactor: &Redactor) {
    match value {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(redacted) = redactor.redact_str(s) {
                *s = redacted;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_in_place(v, redactor)),
        Value::Object(map) => redact_strings_except_digests(map, redactor),
        _ => {}
    }
}

/// `sha256(canonical({"tool": tool, "request": request}))` in lowercase hex (spec §4.7).
pub fn approval_key(tool: &str, request: &Value) -> String {
    let canonical = canonical_json(&json!({"tool": tool, "request": request}));
    sha256_hex(canonical.as_bytes())
}

/// `授权：<tool> 执行命令：<cmd>`, where cmd is the request's `argv` joined by spaces, else its
/// `command` or `cmd`, else `<unknown>` (so file tools show `<unknown>`: a reference quirk).
fn approval_summary(tool: &str, request: &Map<String, Value>) -> String {
    let command = match request.get("argv") {
        Some(Value::Array(argv)) if !argv.is_empty() => {
            argv.iter().map(python_str).collect::<Vec<_>>().join(" ")
        }
        _ => [request.get("command"), request.get("cmd")]
            .into_iter()
            .flatten()
            .find(|v| is_truthy(v))
            .map(python_str)
            .unwrap_or_else(|| "<unknown>".to_string()),
    };
    format!("授权：{tool} 执行命令：{command}")
}

/// The argv a shell-category tool would run, for the guard and the allow/deny lists, and the
/// guard's verdict on it.
pub(crate) fn shell_argv_and_risk(
    tool: &str,
    args: &Map<String, Value>,
    skill_action: Option<&SkillActionIntent>,
) -> (Vec<String>, CommandRisk) {
    match tool {
        "shell_exec" | "shell" => {
            let key = if tool == "shell" { "command" } else { "argv" };
            let argv = string_list(args.get(key));
            let risk = evaluate_argv_or_blank(&argv);
            (argv, risk)
        }
        "shell_command" | "exec_command" => {
            let key = if tool == "exec_command" {
                "cmd"
            } else {
                "command"
            };
            let intent = parse_shell_intent(&trimmed_str(args.get(key)));
            let risk = intent.risk();
            (intent.argv, risk)
        }
        "skill_exec" => {
            let argv = resolved_skill_action(args, skill_action).argv;
            let risk = evaluate_argv_or_blank(&argv);
            (argv, risk)
        }
        _ => (Vec::new(), evaluate_argv_or_blank(&[])),
    }
}

/// `shell_exec` (argv in `argv`, cwd in `cwd`) and `shell` (`command`, `workdir`).
fn argv_tool_request(
    args: &Map<String, Value>,
    argv_key: &str,
    cwd_key: &str,
) -> Map<String, Value> {
    let argv = string_list(args.get(argv_key));
    let risk = evaluate_argv_or_blank(&argv);
    let mut req = Map::new();
    req.insert("argv".into(), json!(argv));
    req.insert("cwd".into(), raw(args, cwd_key));
    req.insert("timeout_ms".into(), raw(args, "timeout_ms"));
    req.insert(
        "tty".into(),
        Value::Bool(args.get("tty").is_some_and(is_truthy)),
    );
    req.insert("env_keys".into(), env_keys(args));
    insert_sandbox_fields(&mut req, args);
    req.insert("risk".into(), risk.to_json());
    insert_justification(&mut req, args);
    req
}

fn shell_command_request(args: &Map<String, Value>) -> Map<String, Value> {
    let command = trimmed_str(args.get("command"));
    let intent = parse_shell_intent(&command);
    let mut req = Map::new();
    req.insert("command".into(), Value::String(command));
    req.insert("workdir".into(), raw(args, "workdir"));
    req.insert("timeout_ms".into(), raw(args, "timeout_ms"));
    req.insert("env_keys".into(), env_keys(args));
    insert_shell_string_tail(&mut req, args, &intent);
    req
}

fn exec_command_request(args: &Map<String, Value>) -> Map<String, Value> {
    let cmd = trimmed_str(args.get("cmd"));
    let intent = parse_shell_intent(&cmd);
    let tty = match args.get("tty") {
        None | Some(Value::Null) => true,
        Some(v) => is_truthy(v),
    };
    let mut req = Map::new();
    req.insert("cmd".into(), Value::String(cmd));
    req.insert("workdir".into(), raw(args, "workdir"));
    req.insert("yield_time_ms".into(), raw(args, "yield_time_ms"));
    req.insert("max_output_tokens".into(), raw(args, "max_output_tokens"));
    req.insert("tty".into(), Value::Bool(tty));
    insert_shell_string_tail(&mut req, args, &intent);
    req
}

/// `sandbox` and `sandbox_permissions`, trimmed (or null), in the descriptors' key order.
fn insert_sandbox_fields(req: &mut Map<String, Value>, args: &Map<String, Value>) {
    req.insert("sandbox".into(), optional_trimmed(args, "sandbox"));
    req.insert(
        "sandbox_permissions".into(),
        optional_trimmed(args, "sandbox_permissions"),
    );
}

/// The keys `shell_command` and `exec_command` end with: sandbox fields, the parsed intent, its
/// risk and the justification.
fn insert_shell_string_tail(
    req: &mut Map<String, Value>,
    args: &Map<String, Value>,
    intent: &ShellIntent,
) {
    insert_sandbox_fields(req, args);
    req.insert("intent".into(), intent.to_json());
    req.insert("risk".into(), intent.risk().to_json());
    insert_justification(req, args);
}

fn write_stdin_request(args: &Map<String, Value>) -> Map<String, Value> {
    let chars = args.get("chars");
    let (bytes, sha) = text_digest(chars);
    let is_poll = matches!(chars, None | Some(Value::Null)) || chars == Some(&json!(""));
    let mut req = Map::new();
    req.insert("session_id".into(), raw(args, "session_id"));
    req.insert("yield_time_ms".into(), raw(args, "yield_time_ms"));
    req.insert("max_output_tokens".into(), raw(args, "max_output_tokens"));
    req.insert("bytes".into(), bytes);
    req.insert("chars_sha256".into(), sha);
    req.insert("is_poll".into(), Value::Bool(is_poll));
    req
}

fn file_write_request(args: &Map<String, Value>) -> Map<String, Value> {
    let create_dirs = [args.get("create_dirs"), args.get("mkdirs")]
        .into_iter()
        .flatten()
        .find(|v| !v.is_null())
        .is_none_or(is_truthy);
    let (bytes, sha) = text_digest(args.get("content"));
    let mut req = Map::new();
    req.insert("path".into(), raw(args, "path"));
    req.insert("create_dirs".into(), Value::Bool(create_dirs));
    req.insert(
        "sandbox_permissions".into(),
        optional_trimmed(args, "sandbox_permissions"),
    );
    req.insert("bytes".into(), bytes);
    req.insert("content_sha256".into(), sha);
    insert_justification(&mut req, args);
    req
}

fn apply_patch_request(args: &Map<String, Value>) -> Map<String, Value> {
    let input = args.get("input");
    let (bytes, sha) = text_digest(input);
    let file_paths: Vec<String> = match input {
        Some(Value::String(text)) => patch_file_paths(text),
        _ => Vec::new(),
    };
    let mut req = Map::new();
    req.insert("file_paths".into(), json!(file_paths));
    req.insert("bytes".into(), bytes);
    req.insert("content_sha256".into(), sha);
    req
}

/// The paths named by `*** Add/Update/Delete File: ` and `*** Move to: ` lines (lines as
/// Python's `str.splitlines` cuts them, each trimmed).
fn patch_file_paths(text: &str) -> Vec<String> {
    const FILE_PREFIXES: [&str; 3] = ["*** Add File: ", "*** Update File: ", "*** Delete File: "];
    const MOVE_PREFIX: &str = "*** Move to: ";
    let mut out = Vec::new();
    for line in python_splitlines(text) {
        let line = python_strip(line);
        for prefix in FILE_PREFIXES {
            if let Some(path) = line.strip_prefix(prefix) {
                out.push(python_strip(path).to_string());
            }
        }
        if let Some(path) = line.strip_prefix(MOVE_PREFIX) {
            out.push(python_strip(path).to_string());
        }
    }
    out
}

fn skill_exec_request(
    args: &Map<String, Value>,
    skill_action: Option<&SkillActionIntent>,
) -> Map<String, Value> {
    let mention = trimmed_str(args.get("skill_mention"));
    let action_id = trimmed_str(args.get("action_id"));
    let action = resolved_skill_action(args, skill_action);
    let risk = evaluate_argv_or_blank(&action.argv);
    let mut req = Map::new();
    req.insert("skill_mention".into(), Value::String(mention));
    req.insert("action_id".into(), Value::String(action_id));
    req.insert("bundle_root".into(), json!(action.bundle_root));
    req.insert("bundle_sha256".into(), json!(action.bundle_sha256));
    req.insert("argv".into(), json!(action.argv));
    req.insert("timeout_ms".into(), json!(action.timeout_ms));
    req.insert("env_keys".into(), json!(action.env_keys));
    req.insert("resolve_error".into(), json!(action.resolve_error));
    req.insert("risk".into(), risk.to_json());
    // Binds a session approval to the action's content: a changed action gets a new key.
    let fingerprint: Map<String, Value> = [
        "skill_mention",
        "action_id",
        "bundle_root",
        "bundle_sha256",
        "argv",
        "timeout_ms",
        "env_keys",
    ]
    .into_iter()
    .map(|k| (k.to_string(), req[k].clone()))
    .collect();
    let text = py_dumps(
        &Value::Object(fingerprint),
        PyDumps {
            sort_keys: true,
            compact: false,
        },
    );
    req.insert(
        "action_sha256".into(),
        Value::String(sha256_hex(text.as_bytes())),
    );
    req
}

/// The caller's resolution, used only when both the mention and the action id are non-empty
/// (the reference resolves nothing otherwise); env keys sorted.
fn resolved_skill_action(
    args: &Map<String, Value>,
    skill_action: Option<&SkillActionIntent>,
) -> SkillActionIntent {
    let named = !trimmed_str(args.get("skill_mention")).is_empty()
        && !trimmed_str(args.get("action_id")).is_empty();
    let mut action = match skill_action {
        Some(action) if named => action.clone(),
        _ => SkillActionIntent::default(),
    };
    action.env_keys.sort();
    action
}

/// A list of strings, or `[]` when the value is anything else (a list with a non-string item
/// included).
fn string_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The value trimmed when it is a string, else `""`.
fn trimmed_str(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .map(|s| python_strip(s).to_string())
        .unwrap_or_default()
}

/// The value trimmed when it is a non-blank string, else `null`.
fn optional_trimmed(args: &Map<String, Value>, key: &str) -> Value {
    match args.get(key).and_then(Value::as_str).map(python_strip) {
        Some(s) if !s.is_empty() => Value::String(s.to_string()),
        _ => Value::Null,
    }
}

fn insert_justification(req: &mut Map<String, Value>, args: &Map<String, Value>) {
    let justification = optional_trimmed(args, "justification");
    if !justification.is_null() {
        req.insert("justification".into(), justification);
    }
}

/// The model's value as given (a float stays a float), `null` when absent.
fn raw(args: &Map<String, Value>, key: &str) -> Value {
    args.get(key).cloned().unwrap_or(Value::Null)
}

/// Sorted names of the `env` object, `[]` when there is none.
fn env_keys(args: &Map<String, Value>) -> Value {
    let mut keys: Vec<&String> = match args.get("env") {
        Some(Value::Object(env)) => env.keys().collect(),
        _ => Vec::new(),
    };
    keys.sort();
    json!(keys)
}

/// `(bytes, sha256)` of a string's UTF-8, `(null, null)` for anything else.
fn text_digest(value: Option<&Value>) -> (Value, Value) {
    match value {
        Some(Value::String(text)) => (
            json!(text.len()),
            Value::String(sha256_hex(text.as_bytes())),
        ),
        _ => (Value::Null, Value::Null),
    }
}

/// Python's truth value of a decoded JSON value.
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::json::to_python_json;

    fn logged(tool: &str, category: Option<GateCategory>, args: Value, secrets: &[&str]) -> String {
        let map = logged_arguments(
            tool,
            category,
            args.as_object().unwrap(),
            None,
            &Redactor::new(secrets),
        );
        to_python_json(&Value::Object(map))
    }

    fn summary(tool: &str, category: GateCategory, args: Value) -> String {
        approval_request(
            tool,
            Some(category),
            args.as_object().unwrap(),
            None,
            &Redactor::default(),
        )
        .summary
    }

    #[test]
    fn unknown_tools_log_only_an_error() {
        assert_eq!(
            logged("nope", None, json!({"path": "secret"}), &[]),
            r#"{"error": "Descriptor lookup failed; denying tool execution."}"#
        );
    }

    #[test]
    fn ungated_tools_log_their_arguments_redacted() {
        assert_eq!(
            logged(
                "file_read",
                Some(GateCategory::None),
                json!({"path": "a-hunter22.txt", "max_bytes": 5.0}),
                &["hunter22"]
            ),
            r#"{"path": "a-<redacted>.txt", "max_bytes": 5.0}"#
        );
    }

    #[test]
    fn descriptor_tools_log_commands_with_secrets_redacted_beyond_the_reference() {
        assert_eq!(
            logged(
                "shell_exec",
                Some(GateCategory::Shell),
                json!({"argv": ["echo", "hunter22"], "env": {"K": "hunter22"}, "justification": " "}),
                &["hunter22"]
            ),
            concat!(
                r#"{"argv": ["echo", "<redacted>"], "cwd": null, "timeout_ms": null, "tty": false, "#,
                r#""env_keys": ["K"], "sandbox": null, "sandbox_permissions": null, "#,
                r#""risk": {"risk_level": "low", "reason": "未命中高危模式（Phase 2 最小规则）"}}"#
            )
        );
    }

    #[test]
    fn approval_key_hashes_the_unredacted_request_while_display_is_redacted() {
        let args = json!({"argv": ["login", "hunter22"]});
        let args = args.as_object().unwrap();
        let shell = Some(GateCategory::Shell);
        let plain = approval_request("shell_exec", shell, args, None, &Redactor::default());
        let secret = approval_request(
            "shell_exec",
            shell,
            args,
            None,
            &Redactor::new(["hunter22"]),
        );
        assert_eq!(plain.approval_key, secret.approval_key);
        assert_eq!(
            secret.summary,
            "授权：shell_exec 执行命令：login <redacted>"
        );
        assert_eq!(secret.request["argv"], json!(["login", "<redacted>"]));
    }

    #[test]
    fn digests_are_never_redacted() {
        // sha256("secret") contains "a25b".
        let text = logged(
            "file_write",
            Some(GateCategory::File),
            json!({"path": "a25b.txt", "content": "secret"}),
            &["a25b"],
        );
        assert!(text.contains(r#""path": "<redacted>.txt""#), "{text}");
        assert!(text.contains("a25b\""), "{text}");
    }

    #[test]
    fn file_write_logs_size_and_digest_instead_of_content() {
        assert_eq!(
            logged(
                "file_write",
                Some(GateCategory::File),
                json!({"path": "a", "content": "", "create_dirs": null, "mkdirs": 0}),
                &[]
            ),
            concat!(
                r#"{"path": "a", "create_dirs": false, "sandbox_permissions": null, "bytes": 0, "#,
                r#""content_sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}"#
            )
        );
    }

    #[test]
    fn write_stdin_without_chars_is_a_poll() {
        let text = logged(
            "write_stdin",
            Some(GateCategory::File),
            json!({"session_id": 3}),
            &[],
        );
        assert!(
            text.ends_with(r#""bytes": null, "chars_sha256": null, "is_poll": true}"#),
            "{text}"
        );
    }

    #[test]
    fn skill_exec_ignores_the_resolution_without_mention_and_action() {
        let action = SkillActionIntent {
            argv: vec!["sudo".into()],
            env_keys: vec!["B".into(), "A".into()],
            ..SkillActionIntent::default()
        };
        let args = json!({"skill_mention": " $[a:b].c ", "action_id": "  "});
        let map = logged_arguments(
            "skill_exec",
            Some(GateCategory::Shell),
            args.as_object().unwrap(),
            Some(&action),
            &Redactor::default(),
        );
        assert_eq!(map["skill_mention"], "$[a:b].c");
        assert_eq!(map["argv"], json!([]));
        let args = json!({"skill_mention": "$[a:b].c", "action_id": "run"});
        let map = logged_arguments(
            "skill_exec",
            Some(GateCategory::Shell),
            args.as_object().unwrap(),
            Some(&action),
            &Redactor::default(),
        );
        assert_eq!(map["env_keys"], json!(["A", "B"]));
        assert_eq!(map["risk"]["risk_level"], "high");
    }

    #[test]
    fn summary_shows_argv_command_or_unknown() {
        let shell = GateCategory::Shell;
        assert_eq!(
            summary("shell_exec", shell, json!({"argv": ["ls", "a b"]})),
            "授权：shell_exec 执行命令：ls a b"
        );
        assert_eq!(
            summary("shell_command", shell, json!({"command": " ls | wc "})),
            "授权：shell_command 执行命令：ls | wc"
        );
        assert_eq!(
            summary("exec_command", shell, json!({"cmd": "top"})),
            "授权：exec_command 执行命令：top"
        );
        assert_eq!(
            summary("shell_exec", shell, json!({"argv": []})),
            "授权：shell_exec 执行命令：<unknown>"
        );
        assert_eq!(
            summary("file_write", GateCategory::File, json!({"path": "a"})),
            "授权：file_write 执行命令：<unknown>"
        );
        assert_eq!(
            summary(
                "my_tool",
                GateCategory::Custom,
                json!({"argv": [1, true], "cmd": "x"})
            ),
            "授权：my_tool 执行命令：1 True"
        );
        assert_eq!(
            summary(
                "my_tool",
                GateCategory::Custom,
                json!({"command": 0, "cmd": ["a"]})
            ),
            "授权：my_tool 执行命令：['a']"
        );
    }

    #[test]
    fn apply_patch_collects_paths_from_every_line_break_python_knows() {
        let text = "*** Add File: a\r\n  *** Update File:  b \u{2028}*** Move to: c\u{b}*** Delete File: d";
        assert_eq!(patch_file_paths(text), ["a", "b", "c", "d"]);
    }
}
