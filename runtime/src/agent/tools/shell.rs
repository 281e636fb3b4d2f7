//! `shell_exec`, `shell` and `shell_command`: one local command, confined to the workspace,
//! through the OS sandbox when the policy asks for it, run by [`crate::agent::exec`].
//! `shell` (argv in `command`, `workdir`) and `shell_command` (`/bin/sh -lc <command>`) are the
//! Codex-named front ends of `shell_exec`.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::args::{self, Field, Model, NON_EMPTY_STR, NON_EMPTY_STR_LIST, POSITIVE_INT, STR, Ty};
use super::{ToolContext, ToolResult, paths};
use crate::agent::exec::{self, CommandSpec, DEFAULT_TIMEOUT_MS};
use crate::agent::sandbox::{self, NO_ADAPTER_MESSAGE, SandboxAdapter, SandboxEvidence};

pub(super) static SHELL_EXEC_ARGS: Model = Model {
    name: "_ShellExecArgs",
    fields: &[
        Field::required("argv", NON_EMPTY_STR_LIST),
        Field::optional("cwd", STR),
        Field::optional("env", Ty::StrMap),
        Field::optional("timeout_ms", POSITIVE_INT),
        Field::optional("sandbox", STR),
        Field::optional("sandbox_permissions", STR),
        Field::defaulted("tty", Ty::Bool),
        Field::optional("justification", STR),
    ],
};

static SHELL_ARGS: Model = Model {
    name: "_ShellArgs",
    fields: &[
        Field::required("command", NON_EMPTY_STR_LIST),
        Field::optional("workdir", STR),
        Field::optional("env", Ty::StrMap),
        Field::optional("timeout_ms", POSITIVE_INT),
        Field::optional("sandbox", STR),
        Field::optional("sandbox_permissions", STR),
        Field::optional("justification", STR),
    ],
};

static SHELL_COMMAND_ARGS: Model = Model {
    name: "_ShellCommandArgs",
    fields: &[
        Field::required("command", NON_EMPTY_STR),
        Field::optional("workdir", STR),
        Field::optional("env", Ty::StrMap),
        Field::optional("timeout_ms", POSITIVE_INT),
        Field::optional("sandbox", STR),
        Field::optional("sandbox_permissions", STR),
        Field::optional("justification", STR),
    ],
};

/// What `shell_exec` runs, after argument checking.
#[derive(Debug, Clone, Default)]
pub(crate) struct ShellRequest {
    pub argv: Vec<String>,
    /// Relative to the workspace root (or absolute inside it).
    pub cwd: Option<String>,
    pub env: HashMap<String, String>,
    pub timeout_ms: Option<u64>,
    /// The raw `sandbox` argument.
    pub sandbox: Option<String>,
}

pub(crate) async fn shell_exec(args: &Map<String, Value>, ctx: &ToolContext) -> ToolResult {
    match args::validate(&SHELL_EXEC_ARGS, args) {
        Ok(v) => run(request_from(&v, "argv", "cwd"), ctx).await,
        Err(msg) => ToolResult::error("validation", msg),
    }
}

pub(crate) async fn shell(args: &Map<String, Value>, ctx: &ToolContext) -> ToolResult {
    match args::validate(&SHELL_ARGS, args) {
        Ok(v) => run(request_from(&v, "command", "workdir"), ctx).await,
        Err(msg) => ToolResult::error("validation", msg),
    }
}

pub(crate) async fn shell_command(args: &Map<String, Value>, ctx: &ToolContext) -> ToolResult {
    match args::validate(&SHELL_COMMAND_ARGS, args) {
        Ok(v) => {
            let mut req = request_from(&v, "", "workdir");
            let command = v.get("command").and_then(Value::as_str).unwrap_or_default();
            req.argv = vec!["/bin/sh".into(), "-lc".into(), command.to_owned()];
            run(req, ctx).await
        }
        Err(msg) => ToolResult::error("validation", msg),
    }
}

/// Builds the request from validated arguments (`argv_key` holds a string list).
fn request_from(v: &Map<String, Value>, argv_key: &str, cwd_key: &str) -> ShellRequest {
    let str_of = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    ShellRequest {
        argv: v
            .get(argv_key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        cwd: str_of(cwd_key),
        env: v
            .get("env")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default(),
        timeout_ms: v
            .get("timeout_ms")
            .and_then(Value::as_i64)
            .and_then(|n| u64::try_from(n).ok()),
        sandbox: str_of("sandbox"),
    }
}

/// `shell_exec`'s body: confinement of the working directory, sandbox policy and the run's
/// adapter ([`ToolContext::sandbox`]), then the executor. Also used by `skill_exec`.
pub(crate) async fn run(req: ShellRequest, ctx: &ToolContext) -> ToolResult {
    let mut cwd = ctx.workspace_root.clone();
    if let Some(raw) = &req.cwd {
        cwd = match paths::resolve_in_workspace(&ctx.workspace_root, raw) {
            Ok(p) => p,
            Err(msg) => return ToolResult::error("permission", msg),
        };
        if !cwd.is_dir() {
            return ToolResult::error(
                "validation",
                format!("cwd 不存在或不是目录：{}", cwd.display()),
            );
        }
    }
    let timeout_ms = req.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);

    let mut env: HashMap<String, String> = ctx
        .env_store
        .lock()
        .map(|store| store.clone())
        .unwrap_or_default();
    env.extend(req.env);

    let sandbox_cfg = &ctx.config.sandbox;
    let (requested, effective) =
        match sandbox::resolve_policy(req.sandbox.as_deref(), sandbox_cfg.default_policy) {
            Ok(p) => p,
            Err(msg) => return ToolResult::error("validation", msg),
        };
    let adapter = ctx.sandbox.as_deref();
    let evidence = SandboxEvidence {
        requested,
        effective,
        adapter: adapter.map(SandboxAdapter::name),
    };
    let data = json!({ "sandbox": evidence.to_value() });

    let mut argv = req.argv;
    let mut exec_cwd = cwd;
    if effective == "restricted" {
        let Some(adapter) = adapter else {
            return ToolResult::error_with_data("sandbox_denied", NO_ADAPTER_MESSAGE, data);
        };
        match adapter.prepare(&argv, &exec_cwd, &ctx.workspace_root) {
            Ok(prepared) => {
                argv = prepared.argv;
                exec_cwd = prepared.cwd;
            }
            Err(msg) => return ToolResult::error_with_data("sandbox_denied", msg, data),
        }
    }

    let spec = CommandSpec {
        argv: &argv,
        cwd: &exec_cwd,
        env: &env,
        timeout_ms,
    };
    let r = exec::run_command(&spec, &ctx.cancel).await;
    ToolResult {
        ok: r.ok,
        stdout: r.stdout,
        stderr: r.stderr,
        exit_code: r.exit_code,
        duration_ms: r.duration_ms,
        truncated: r.truncated,
        data: Some(data),
        error_kind: r.error_kind.map(str::to_owned),
        retryable: false,
        retry_after_ms: None,
    }
}
