//! `list_dir`: the entries under a workspace directory, breadth-first to `depth` levels,
//! sorted by relative path and paged with `offset`/`limit`. Hidden entries (any component
//! starting with `.`) are left out and symlinked directories are not entered.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::args::{self, Field, Model, STR, Ty};
use super::{ToolContext, ToolResult, paths};

static LIST_DIR_ARGS: Model = Model {
    name: "_ListDirArgs",
    fields: &[
        Field::required("dir_path", STR),
        Field::defaulted("depth", Ty::Int { ge: Some(1) }),
        Field::defaulted("offset", Ty::Int { ge: Some(1) }),
        Field::defaulted("limit", Ty::Int { ge: Some(1) }),
    ],
};

struct Entry {
    rel_path: String,
    abs_path: String,
    kind: &'static str,
}

pub(crate) fn list_dir(args: &Map<String, Value>, ctx: &ToolContext) -> ToolResult {
    let v = match args::validate(&LIST_DIR_ARGS, args) {
        Ok(v) => v,
        Err(msg) => return ToolResult::error("validation", msg),
    };
    let raw = v["dir_path"].as_str().unwrap_or_default();
    let int = |k: &str, default: i64| v.get(k).and_then(Value::as_i64).unwrap_or(default);
    let (depth, offset, limit) = (int("depth", 2), int("offset", 1), int("limit", 25));
    let root = match paths::resolve_in_workspace(&ctx.workspace_root, raw) {
        Ok(p) => p,
        Err(msg) => return ToolResult::error("permission", msg),
    };
    if !root.exists() {
        return ToolResult::error_with_data(
            "not_found",
            format!("目录不存在：{raw}"),
            json!({"dir_path": raw}),
        );
    }
    if !root.is_dir() {
        return ToolResult::error_with_data(
            "validation",
            format!("dir_path 不是目录：{raw}"),
            json!({"dir_path": raw}),
        );
    }
    let shown_root = paths::display(&root);
    let entries = collect(&root, depth);
    let total = entries.len();
    let offset0 = usize::try_from(offset - 1).unwrap_or(usize::MAX);
    if (offset0 >= total && total > 0) || (total == 0 && offset != 1) {
        return ToolResult::error_with_data(
            "validation",
            "offset exceeds directory entry count",
            json!({"dir_path": shown_root, "offset": offset, "total": total}),
        );
    }
    let limit_n = usize::try_from(limit).unwrap_or(usize::MAX);
    let page: Vec<&Entry> = entries.iter().skip(offset0).take(limit_n).collect();
    let truncated = offset0.saturating_add(limit_n) < total;

    let mut stdout = format!("Absolute path: {shown_root}\n");
    for e in &page {
        let suffix = match e.kind {
            "dir" => "/",
            "symlink" => "@",
            "other" => "?",
            _ => "",
        };
        stdout.push_str(&format!("{}{suffix}\n", e.rel_path));
    }
    if truncated {
        stdout.push_str(&format!("More than {limit} entries found\n"));
    }
    let entries_json: Vec<Value> = page
        .iter()
        .map(|e| json!({"rel_path": e.rel_path, "abs_path": e.abs_path, "type": e.kind}))
        .collect();
    ToolResult {
        truncated,
        ..ToolResult::success(
            stdout,
            Some(json!({
                "dir_path": shown_root,
                "depth": depth,
                "offset": offset,
                "limit": limit,
                "total": total,
                "entries": entries_json,
            })),
        )
    }
}

fn collect(root: &Path, depth: i64) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut queue: VecDeque<(PathBuf, i64)> = VecDeque::from([(root.to_path_buf(), 1)]);
    while let Some((dir, level)) = queue.pop_front() {
        let Ok(children) = std::fs::read_dir(&dir) else {
            continue;
        };
        for child in children.filter_map(Result::ok) {
            let path = child.path();
            let Ok(rel) = path.strip_prefix(root) else {
                continue;
            };
            if paths::has_hidden_component(rel) {
                continue;
            }
            let kind = match std::fs::symlink_metadata(&path) {
                Ok(m) if m.file_type().is_symlink() => "symlink",
                Ok(m) if m.is_dir() => "dir",
                Ok(m) if m.is_file() => "file",
                _ => "other",
            };
            out.push(Entry {
                rel_path: paths::relative_posix(&path, root).unwrap_or_default(),
                abs_path: paths::display(&paths::resolve_real(&path)),
                kind,
            });
            if kind == "dir" && level < depth {
                queue.push_back((path, level + 1));
            }
        }
    }
    out.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    out
}
