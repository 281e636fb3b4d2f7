//! `apply_patch`: Codex-style file patches.
//!
//! ```text
//! *** Begin Patch
//! *** Add File: path        (every content line starts with `+`)
//! *** Update File: path     (optional `*** Move to: path`, then `@@` hunks of ` `/`-`/`+` lines)
//! *** Delete File: path
//! *** End Patch
//! ```
//!
//! The whole patch is first planned against a virtual view of the workspace (each section sees
//! the effect of the previous ones); only when every section applies are files written, so a
//! bad hunk or a conflicting target leaves the workspace untouched. Hunks match exact lines,
//! searched forward from where the previous hunk ended. Files are read, written, moved and
//! removed beneath the workspace root ([`confined`]): a directory swapped for a symlink between
//! the dry run and the writes is not followed.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::args::{self, Field, Model, STR};
use super::confined;
use super::files::write_atomic;
use super::{ToolContext, ToolResult, os_error_text, paths};
use crate::text::{python_splitlines, python_strip};

static APPLY_PATCH_ARGS: Model = Model {
    name: "_ApplyPatchArgs",
    fields: &[Field::required("input", STR)],
};

const ADD: &str = "*** Add File: ";
const UPDATE: &str = "*** Update File: ";
const DELETE: &str = "*** Delete File: ";
const MOVE_TO: &str = "*** Move to: ";
/// What identifies a confinement refusal among the reference's messages.
const OUTSIDE_MARKER: &str = "禁止访问 workspace_root 之外的路径";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Update,
    Delete,
}

struct Section<'a> {
    op: Op,
    path: &'a str,
    body: Vec<&'a str>,
}

/// A failure, by the `error_kind` it maps to.
#[derive(Debug, PartialEq, Eq)]
enum PatchError {
    NotFound(String),
    Permission(String),
    Validation(String),
}

impl PatchError {
    fn into_result(self) -> ToolResult {
        match self {
            PatchError::NotFound(m) => ToolResult::error("not_found", m),
            PatchError::Permission(m) => ToolResult::error("permission", m),
            PatchError::Validation(m) => ToolResult::error("validation", m),
        }
    }

    fn from_failure((e, path): confined::Failure) -> Self {
        Self::io(&e, &path)
    }

    fn io(e: &std::io::Error, path: &Path) -> Self {
        let msg = os_error_text(e, &paths::display(path));
        match e.kind() {
            std::io::ErrorKind::NotFound => PatchError::NotFound(msg),
            std::io::ErrorKind::PermissionDenied => PatchError::Permission(msg),
            _ => PatchError::Validation(msg),
        }
    }
}

fn invalid(msg: impl Into<String>) -> PatchError {
    PatchError::Validation(msg.into())
}

fn not_found(p: &Path) -> PatchError {
    PatchError::NotFound(format!("file not found: {}", paths::display(p)))
}

fn is_a_directory(p: &Path) -> PatchError {
    invalid(format!("path is a directory: {}", paths::display(p)))
}

pub(crate) fn apply_patch(args: &Map<String, Value>, ctx: &ToolContext) -> ToolResult {
    let v = match args::validate(&APPLY_PATCH_ARGS, args) {
        Ok(v) => v,
        Err(msg) => return ToolResult::error("validation", msg),
    };
    let input = v["input"].as_str().unwrap_or_default();
    let lines = python_splitlines(input);
    let sections = match parse_sections(&lines) {
        Ok(s) => s,
        Err(e) => return e.into_result(),
    };
    let (ops, changes) = match plan(&sections, &ctx.workspace_root) {
        Ok(p) => p,
        Err(e) => return e.into_result(),
    };
    if let Err(e) = apply(&ops, &ctx.workspace_root) {
        return e.into_result();
    }
    let count = |k: &str| changes.iter().filter(|c| c["kind"] == k).count();
    let summary = format!(
        "apply_patch ok: add={} update={} delete={} move={}\n",
        count("add"),
        count("update"),
        count("delete"),
        count("move")
    );
    ToolResult::success(summary, Some(json!({"changes": changes})))
}

fn parse_sections<'a>(lines: &[&'a str]) -> Result<Vec<Section<'a>>, PatchError> {
    if lines.first().map(|l| python_strip(l)) != Some("*** Begin Patch") {
        return Err(invalid("missing *** Begin Patch"));
    }
    let Some(end) = lines.iter().position(|l| *l == "*** End Patch") else {
        return Err(invalid("missing *** End Patch"));
    };
    let body = &lines[1..end.max(1)];
    let is_header = |s: &str| s.starts_with(ADD) || s.starts_with(UPDATE) || s.starts_with(DELETE);
    let mut sections = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let line = body[i];
        if line.is_empty() {
            i += 1;
            continue;
        }
        let (op, rest) = if let Some(r) = line.strip_prefix(ADD) {
            (Op::Add, r)
        } else if let Some(r) = line.strip_prefix(UPDATE) {
            (Op::Update, r)
        } else if let Some(r) = line.strip_prefix(DELETE) {
            (Op::Delete, r)
        } else {
            return Err(invalid(format!("unknown file section header: {line}")));
        };
        i += 1;
        let mut content = Vec::new();
        while i < body.len() && !is_header(body[i]) {
            if op != Op::Delete || !python_strip(body[i]).is_empty() {
                content.push(body[i]);
            }
            i += 1;
        }
        sections.push(Section {
            op,
            path: python_strip(rest),
            body: content,
        });
    }
    Ok(sections)
}

enum PlannedOp {
    WriteNew(PathBuf, String),
    WriteUpdate(PathBuf, String),
    Delete(PathBuf),
    Move(PathBuf, PathBuf),
}

/// The workspace as the patch sees it while being planned.
struct VirtualFs<'a> {
    root: &'a Path,
    text: HashMap<PathBuf, String>,
    deleted: HashSet<PathBuf>,
}

impl VirtualFs<'_> {
    fn exists(&self, p: &Path) -> bool {
        !self.deleted.contains(p) && (self.text.contains_key(p) || p.exists())
    }
    fn is_dir(&self, p: &Path) -> bool {
        !self.text.contains_key(p) && !self.deleted.contains(p) && p.is_dir()
    }
    /// What an Update or Delete section needs: an existing file, not a directory.
    fn check_existing_file(&self, p: &Path) -> Result<(), PatchError> {
        if !self.exists(p) {
            return Err(not_found(p));
        }
        if self.is_dir(p) {
            return Err(is_a_directory(p));
        }
        Ok(())
    }
    fn read(&self, p: &Path) -> Result<String, PatchError> {
        if let Some(t) = self.text.get(p) {
            return Ok(t.clone());
        }
        let bytes = confined::read_regular(self.root, p).map_err(PatchError::from_failure)?;
        let text = String::from_utf8(bytes).map_err(|e| invalid(utf8_error_text(&e)))?;
        Ok(text.replace("\r\n", "\n").replace('\r', "\n"))
    }
}

fn resolve(root: &Path, raw: &str) -> Result<PathBuf, PatchError> {
    paths::resolve_in_workspace(root, raw).map_err(|msg| {
        if msg.contains(OUTSIDE_MARKER) {
            PatchError::Permission(msg)
        } else {
            PatchError::Validation(msg)
        }
    })
}

/// The dry run: every section checked in order against the virtual view.
fn plan(sections: &[Section<'_>], root: &Path) -> Result<(Vec<PlannedOp>, Vec<Value>), PatchError> {
    let mut ops = Vec::new();
    let mut changes = Vec::new();
    let mut vfs = VirtualFs {
        root,
        text: HashMap::new(),
        deleted: HashSet::new(),
    };
    for s in sections {
        let target = resolve(root, s.path)?;
        let shown = paths::display(&target);
        match s.op {
            Op::Add => {
                if vfs.exists(&target) {
                    return Err(invalid(format!("file already exists: {shown}")));
                }
                let text = render_added(&s.body)?;
                vfs.text.insert(target.clone(), text.clone());
                vfs.deleted.remove(&target);
                ops.push(PlannedOp::WriteNew(target, text));
                changes.push(json!({"kind": "add", "path": s.path}));
            }
            Op::Delete => {
                if !s.body.is_empty() {
                    return Err(invalid("Delete File section must be empty"));
                }
                vfs.check_existing_file(&target)?;
                vfs.text.remove(&target);
                vfs.deleted.insert(target.clone());
                ops.push(PlannedOp::Delete(target));
                changes.push(json!({"kind": "delete", "path": s.path}));
            }
            Op::Update => {
                vfs.check_existing_file(&target)?;
                let original = vfs.read(&target)?;
                let (new_text, move_to) = update_text(&original, &s.body, root)?;
                vfs.text.insert(target.clone(), new_text.clone());
                vfs.deleted.remove(&target);
                ops.push(PlannedOp::WriteUpdate(target.clone(), new_text.clone()));
                let mut change = json!({"kind": "update", "path": s.path});
                if let Some(dest) = &move_to {
                    change["moved_to"] = json!(paths::display(dest));
                }
                changes.push(change);
                if let Some(dest) = move_to {
                    if vfs.exists(&dest) {
                        return Err(invalid(format!(
                            "move target already exists: {}",
                            paths::display(&dest)
                        )));
                    }
                    vfs.text.insert(dest.clone(), new_text);
                    vfs.text.remove(&target);
                    vfs.deleted.insert(target.clone());
                    changes.push(
                        json!({"kind": "move", "path": s.path, "moved_to": paths::display(&dest)}),
                    );
                    ops.push(PlannedOp::Move(target, dest));
                }
            }
        }
    }
    Ok((ops, changes))
}

fn render_added(body: &[&str]) -> Result<String, PatchError> {
    if body.iter().any(|l| !l.starts_with('+')) {
        return Err(invalid("Add File content lines must start with '+'"));
    }
    let lines: Vec<&str> = body.iter().map(|l| &l[1..]).collect();
    Ok(format!("{}\n", lines.join("\n")))
}

/// Applies an Update section's hunks to `original`; also returns its `Move to` target.
fn update_text(
    original: &str,
    body: &[&str],
    root: &Path,
) -> Result<(String, Option<PathBuf>), PatchError> {
    let mut move_to = None;
    let mut hunks: Vec<Vec<&str>> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for raw in body {
        if let Some(target) = raw.strip_prefix(MOVE_TO) {
            move_to = Some(resolve(root, python_strip(target))?);
        } else if raw.starts_with("@@") {
            if !current.is_empty() {
                hunks.push(std::mem::take(&mut current));
            }
        } else if raw.starts_with([' ', '+', '-']) {
            current.push(raw);
        } else if !python_strip(raw).is_empty() {
            return Err(invalid(format!("invalid update line: {raw}")));
        }
    }
    if !current.is_empty() {
        hunks.push(current);
    }
    let mut lines: Vec<String> = python_splitlines(original)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut search_from = 0;
    for hunk in &hunks {
        let mut before = Vec::new();
        let mut after = Vec::new();
        for raw in hunk {
            let (tag, text) = raw.split_at(1);
            if tag == " " || tag == "-" {
                before.push(text);
            }
            if tag == " " || tag == "+" {
                after.push(text);
            }
        }
        if before.is_empty() {
            return Err(invalid("unsupported hunk: empty match block"));
        }
        let found = (search_from..=lines.len().saturating_sub(before.len()))
            .find(|&i| i + before.len() <= lines.len() && lines[i..i + before.len()] == before[..]);
        let Some(at) = found else {
            return Err(invalid("hunk does not apply (context not found)"));
        };
        lines.splice(at..at + before.len(), after.iter().map(|s| (*s).to_owned()));
        search_from = at + after.len();
    }
    let mut text = lines.join("\n");
    if original.ends_with('\n') || !lines.is_empty() {
        text.push('\n');
    }
    Ok((text, move_to))
}

/// Writes the planned changes. Each is re-checked (the workspace may have changed since the
/// dry run); writes are atomic per file.
fn apply(ops: &[PlannedOp], root: &Path) -> Result<(), PatchError> {
    let existing_file = |p: &Path| {
        if !p.exists() {
            return Err(not_found(p));
        }
        if p.is_dir() {
            return Err(is_a_directory(p));
        }
        Ok(())
    };
    for op in ops {
        match op {
            PlannedOp::WriteNew(p, text) => {
                if p.exists() {
                    return Err(invalid(format!(
                        "file already exists: {}",
                        paths::display(p)
                    )));
                }
                write_atomic(root, p, text.as_bytes(), true).map_err(PatchError::from_failure)?;
            }
            PlannedOp::WriteUpdate(p, text) => {
                existing_file(p)?;
                write_atomic(root, p, text.as_bytes(), false).map_err(PatchError::from_failure)?;
            }
            PlannedOp::Delete(p) => {
                existing_file(p)?;
                let entry =
                    confined::entry_beneath(root, p, false).map_err(PatchError::from_failure)?;
                entry
                    .dir
                    .remove_file(&entry.name)
                    .map_err(PatchError::from_failure)?;
            }
            PlannedOp::Move(from, to) => {
                if to.exists() {
                    return Err(invalid(format!(
                        "move target already exists: {}",
                        paths::display(to)
                    )));
                }
                let source =
                    confined::entry_beneath(root, from, false).map_err(PatchError::from_failure)?;
                let dest =
                    confined::entry_beneath(root, to, true).map_err(PatchError::from_failure)?;
                source
                    .dir
                    .rename(&source.name, &dest.dir, &dest.name)
                    .map_err(PatchError::from_failure)?;
            }
        }
    }
    Ok(())
}

/// Python's `UnicodeDecodeError` text for strict UTF-8 decoding.
fn utf8_error_text(e: &std::string::FromUtf8Error) -> String {
    let bytes = e.as_bytes();
    let pos = e.utf8_error().valid_up_to();
    let byte = bytes.get(pos).copied().unwrap_or(0);
    let reason = match e.utf8_error().error_len() {
        None => "unexpected end of data",
        Some(_) if (0x80..0xc2).contains(&byte) || byte >= 0xf5 => "invalid start byte",
        Some(_) => "invalid continuation byte",
    };
    format!("'utf-8' codec can't decode byte 0x{byte:02x} in position {pos}: {reason}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_replace_exact_lines_in_order() {
        let body = ["@@", " a", "-b", "+B", "@@", " c", "+d"];
        let (text, mv) = update_text("a\nb\nc\n", &body, Path::new("/")).unwrap();
        assert_eq!(text, "a\nB\nc\nd\n");
        assert_eq!(mv, None);
        assert_eq!(
            update_text("a\n", &["-x"], Path::new("/")).unwrap_err(),
            invalid("hunk does not apply (context not found)")
        );
        assert_eq!(
            update_text("a\n", &["+x"], Path::new("/")).unwrap_err(),
            invalid("unsupported hunk: empty match block")
        );
        assert_eq!(
            update_text("a\n", &["?"], Path::new("/")).unwrap_err(),
            invalid("invalid update line: ?")
        );
    }

    #[test]
    fn envelope_and_headers_are_checked() {
        let lines = ["*** Begin Patch", "*** Frobnicate: x", "*** End Patch"];
        assert_eq!(
            parse_sections(&lines).err(),
            Some(invalid("unknown file section header: *** Frobnicate: x"))
        );
        assert_eq!(
            parse_sections(&["x"]).err(),
            Some(invalid("missing *** Begin Patch"))
        );
        assert_eq!(
            parse_sections(&["*** Begin Patch"]).err(),
            Some(invalid("missing *** End Patch"))
        );
        assert_eq!(
            render_added(&["+a", "b"]).unwrap_err(),
            invalid("Add File content lines must start with '+'")
        );
        assert_eq!(render_added(&["+a", "+"]).unwrap(), "a\n\n");
    }

    #[test]
    fn a_directory_swapped_for_a_symlink_after_the_dry_run_is_not_written_through() {
        let scratch = super::super::paths::tests::scratch("patch-swap");
        let base = &scratch.0;
        let (root, outside) = (base.join("ws"), base.join("outside"));
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        let root = std::fs::canonicalize(&root).unwrap();
        std::fs::write(root.join("sub/a.txt"), "a\n").unwrap();
        std::fs::write(outside.join("a.txt"), "a\n").unwrap();
        for patch in [
            "*** Begin Patch\n*** Update File: sub/a.txt\n@@\n-a\n+b\n*** End Patch",
            "*** Begin Patch\n*** Delete File: sub/a.txt\n*** End Patch",
            "*** Begin Patch\n*** Add File: sub/new.txt\n+x\n*** End Patch",
        ] {
            std::fs::remove_file(root.join("sub")).ok();
            std::fs::create_dir_all(root.join("sub")).unwrap();
            std::fs::write(root.join("sub/a.txt"), "a\n").unwrap();
            let lines = python_splitlines(patch);
            let (ops, _) = plan(&parse_sections(&lines).unwrap(), &root).unwrap();
            // Between the dry run and the writes, `sub` becomes a link out of the workspace.
            std::fs::remove_dir_all(root.join("sub")).unwrap();
            std::os::unix::fs::symlink(&outside, root.join("sub")).unwrap();
            assert!(apply(&ops, &root).is_err(), "{patch}");
            assert_eq!(
                std::fs::read_to_string(outside.join("a.txt")).unwrap(),
                "a\n"
            );
            assert!(!outside.join("new.txt").exists());
        }
    }

    #[test]
    fn decode_errors_read_like_python() {
        let e = String::from_utf8(vec![b'a', 0xff]).unwrap_err();
        assert_eq!(
            utf8_error_text(&e),
            "'utf-8' codec can't decode byte 0xff in position 1: invalid start byte"
        );
    }
}
