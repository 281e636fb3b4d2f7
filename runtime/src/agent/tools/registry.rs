//! The built-in tool set: specs offered to the model (names, descriptions and JSON schemas
//! exactly as the reference registers them, in its order, limited to the tools implemented
//! here), each tool's gate category, and dispatch.

use std::sync::LazyLock;

use serde_json::{Map, Value, json};

use super::{GateCategory, ToolContext, ToolInvocation, ToolResult};
use super::{apply_patch, files, grep_files, human, list_dir, plan, read_file, shell};
use super::{skill_tools, view_image};
use crate::agent::llm::ToolSpec;
use crate::agent::safety::Redactor;

/// The reference's `ToolSpec`s (`name`, `description`, `parameters`), generated from
/// skills-runtime-sdk 0.1.12 and filtered to the tools this module implements.
const SPECS_JSON: &str = include_str!("specs.json");

static SPECS: LazyLock<Vec<ToolSpec>> = LazyLock::new(|| {
    let parsed: Vec<Value> = serde_json::from_str(SPECS_JSON).unwrap_or_default();
    parsed
        .into_iter()
        .filter_map(|spec| {
            Some(ToolSpec {
                name: spec.get("name")?.as_str()?.to_owned(),
                description: spec.get("description")?.as_str()?.to_owned(),
                parameters: spec.get("parameters")?.clone(),
            })
        })
        .collect()
});

/// The tools offered to the model, in the reference's registration order. Tools the reference
/// has but this runtime does not implement (`exec_command`, `write_stdin`, `web_search`, the
/// collaboration tools) are never offered; a call to one is an unknown tool.
pub fn builtin_specs() -> Vec<ToolSpec> {
    SPECS.clone()
}

/// The gate a tool goes through (spec §4.1); `None` for a name that is not a built-in (the
/// gate denies it with `descriptor=deny`).
pub fn category(tool: &str) -> Option<GateCategory> {
    match tool {
        "shell_exec" | "shell" | "shell_command" | "skill_exec" => Some(GateCategory::Shell),
        "file_write" | "apply_patch" => Some(GateCategory::File),
        _ if SPECS.iter().any(|s| s.name == tool) => Some(GateCategory::None),
        _ => None,
    }
}

/// Executes one call (already approved by the gate) and returns its result, with known secret
/// values (the run's env store values of 4+ characters) replaced by `<redacted>` in every
/// string of the result. Never panics on any argument object.
pub async fn execute(inv: ToolInvocation<'_>, ctx: &ToolContext) -> ToolResult {
    let result = dispatch(&inv, ctx).await;
    redact(result, &redactor(ctx))
}

async fn dispatch(inv: &ToolInvocation<'_>, ctx: &ToolContext) -> ToolResult {
    let args = inv.args;
    match inv.name {
        "shell_exec" => shell::shell_exec(args, ctx).await,
        "shell" => shell::shell(args, ctx).await,
        "shell_command" => shell::shell_command(args, ctx).await,
        "skill_exec" => skill_tools::skill_exec(args, ctx).await,
        "ask_human" => human::ask_human(inv.call_id, args, ctx).await,
        "request_user_input" => human::request_user_input(inv.call_id, args, ctx).await,
        "update_plan" => plan::update_plan(inv.call_id, args, ctx),
        "file_read" => blocking(args, ctx, files::file_read).await,
        "file_write" => blocking(args, ctx, files::file_write).await,
        "read_file" => blocking(args, ctx, read_file::read_file).await,
        "list_dir" => blocking(args, ctx, list_dir::list_dir).await,
        "grep_files" => blocking(args, ctx, grep_files::grep_files).await,
        "apply_patch" => blocking(args, ctx, apply_patch::apply_patch).await,
        "view_image" => blocking(args, ctx, view_image::view_image).await,
        "skill_ref_read" => blocking(args, ctx, skill_tools::skill_ref_read).await,
        other => ToolResult::error_with_data(
            "not_found",
            format!("未注册的 tool：{other}"),
            json!({"tool": other}),
        ),
    }
}

/// Runs a filesystem tool on the blocking pool, timed, so a large tree or file never stalls
/// the run's other tasks.
async fn blocking(
    args: &Map<String, Value>,
    ctx: &ToolContext,
    tool: fn(&Map<String, Value>, &ToolContext) -> ToolResult,
) -> ToolResult {
    let args = args.clone();
    let ctx = ctx.clone();
    let started = std::time::Instant::now();
    let joined = tokio::task::spawn_blocking(move || tool(&args, &ctx)).await;
    let mut result = match joined {
        Ok(r) => r,
        Err(e) => ToolResult::error("unknown", format!("tool task failed: {e}")),
    };
    if result.duration_ms == 0 {
        result.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    }
    result
}

/// The run's secrets: env store values of 4+ characters once trimmed (spec §6.5).
fn redactor(ctx: &ToolContext) -> Redactor {
    match ctx.env_store.lock() {
        Ok(store) => Redactor::new(store.values()),
        Err(_) => Redactor::default(),
    }
}

fn redact(mut result: ToolResult, redactor: &Redactor) -> ToolResult {
    if redactor.is_empty() {
        return result;
    }
    result.stdout = redactor.redact_str(&result.stdout).into_owned();
    result.stderr = redactor.redact_str(&result.stderr).into_owned();
    if let Some(data) = result.data.as_mut() {
        *data = redactor.redact_value(data);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_follow_the_reference_order_and_shape() {
        let names: Vec<String> = builtin_specs().into_iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "shell_exec",
                "shell",
                "shell_command",
                "file_read",
                "file_write",
                "ask_human",
                "update_plan",
                "request_user_input",
                "view_image",
                "skill_exec",
                "skill_ref_read",
                "list_dir",
                "grep_files",
                "apply_patch",
                "read_file"
            ]
        );
        for spec in builtin_specs() {
            assert_eq!(spec.parameters["type"], "object", "{}", spec.name);
            assert_eq!(
                spec.parameters["additionalProperties"], false,
                "{}",
                spec.name
            );
            assert!(!spec.description.is_empty());
        }
    }

    #[test]
    fn categories_follow_the_gate_table() {
        assert_eq!(category("shell_command"), Some(GateCategory::Shell));
        assert_eq!(category("skill_exec"), Some(GateCategory::Shell));
        assert_eq!(category("apply_patch"), Some(GateCategory::File));
        assert_eq!(category("read_file"), Some(GateCategory::None));
        assert_eq!(category("exec_command"), None);
        assert_eq!(category("nope"), None);
    }

    #[test]
    fn redaction_reaches_nested_data_and_skips_short_values() {
        let r = ToolResult {
            stdout: "token=abcd1234 x=abc".into(),
            data: Some(json!({"a": ["abcd1234"]})),
            ..ToolResult::default()
        };
        let r = redact(r, &Redactor::new(["abcd1234"]));
        assert_eq!(r.stdout, "token=<redacted> x=abc");
        assert_eq!(r.data.unwrap(), json!({"a": ["<redacted>"]}));
    }
}
