//! `file_read` (whole text file, head and tail kept beyond the byte cap) and `file_write`
//! (atomic overwrite: temp file in the same directory, fsync, rename, directory fsync). Both go
//! through [`confined`]: no symlink below the workspace root is followed between the path
//! check and the use, and only regular files are read.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde_json::{Map, Value, json};

use super::args::{self, Field, Model, POSITIVE_INT, STR, Ty};
use super::confined::{self, Failure};
use super::{ToolContext, ToolResult, os_error_text, paths};

/// `file_read`'s cap when the call gives none.
pub(crate) const DEFAULT_MAX_FILE_BYTES: u64 = 256 * 1024;
const READ_MARKER: &[u8] = b"\n...<truncated>\n";

static FILE_READ_ARGS: Model = Model {
    name: "_FileReadArgs",
    fields: &[
        Field::required("path", STR),
        Field::optional("max_bytes", POSITIVE_INT),
    ],
};

static FILE_WRITE_ARGS: Model = Model {
    name: "_FileWriteArgs",
    fields: &[
        Field::required("path", STR),
        Field::required("content", STR),
        Field::optional("sandbox_permissions", STR),
        Field::optional("justification", STR),
        Field {
            aliases: &["mkdirs"],
            ..Field::defaulted("create_dirs", Ty::Bool)
        },
    ],
};

pub(crate) fn file_read(args: &Map<String, Value>, ctx: &ToolContext) -> ToolResult {
    let v = match args::validate(&FILE_READ_ARGS, args) {
        Ok(v) => v,
        Err(msg) => return ToolResult::error("validation", msg),
    };
    let raw = v["path"].as_str().unwrap_or_default();
    let path = match paths::resolve_in_workspace(&ctx.workspace_root, raw) {
        Ok(p) => p,
        Err(msg) => return ToolResult::error("permission", msg),
    };
    if !path.exists() {
        return ToolResult::error_with_data(
            "not_found",
            format!("文件不存在：{raw}"),
            json!({"path": raw}),
        );
    }
    let max_bytes = v
        .get("max_bytes")
        .and_then(Value::as_u64)
        .unwrap_or(DEFAULT_MAX_FILE_BYTES);
    let read = confined::open_regular(&ctx.workspace_root, &path)
        .and_then(|f| read_head_tail(f, max_bytes).map_err(|e| (e, path.clone())));
    match read {
        Ok((text, truncated)) => ToolResult {
            truncated,
            ..ToolResult::success(text, Some(json!({"path": raw})))
        },
        Err((e, at)) => ToolResult::error("unknown", os_error_text(&e, &paths::display(&at))),
    }
}

/// The file's text when it fits in `max_bytes`; otherwise its first half and last half joined
/// by the marker. Invalid UTF-8 becomes U+FFFD.
fn read_head_tail(mut f: File, max_bytes: u64) -> std::io::Result<(String, bool)> {
    let size = f.metadata()?.len();
    if size <= max_bytes {
        let mut data = Vec::new();
        f.read_to_end(&mut data)?;
        return Ok((String::from_utf8_lossy(&data).into_owned(), false));
    }
    let head_len = max_bytes / 2;
    let tail_len = max_bytes - head_len;
    let mut data = Vec::new();
    (&mut f).take(head_len).read_to_end(&mut data)?;
    data.extend_from_slice(READ_MARKER);
    if tail_len > 0 && f.seek(SeekFrom::End(-(tail_len as i64))).is_ok() {
        f.take(tail_len).read_to_end(&mut data)?;
    }
    Ok((String::from_utf8_lossy(&data).into_owned(), true))
}

pub(crate) fn file_write(args: &Map<String, Value>, ctx: &ToolContext) -> ToolResult {
    let v = match args::validate(&FILE_WRITE_ARGS, args) {
        Ok(v) => v,
        Err(msg) => return ToolResult::error("validation", msg),
    };
    let raw = v["path"].as_str().unwrap_or_default();
    let content = v["content"].as_str().unwrap_or_default();
    let create_dirs = v
        .get("create_dirs")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let path = match paths::resolve_in_workspace(&ctx.workspace_root, raw) {
        Ok(p) => p,
        Err(msg) => return ToolResult::error("permission", msg),
    };
    if let Err((e, at)) = write_atomic(&ctx.workspace_root, &path, content.as_bytes(), create_dirs)
    {
        let kind = if e.kind() == std::io::ErrorKind::PermissionDenied {
            "permission"
        } else {
            "unknown"
        };
        return ToolResult::error(kind, os_error_text(&e, &paths::display(&at)));
    }
    let bytes = content.len();
    ToolResult::success(
        format!("wrote {bytes} bytes"),
        Some(json!({"path": raw, "bytes": bytes})),
    )
}

/// Replaces `path` (resolved, inside `root`) with `content` so that readers see the old file or
/// the new one, never a mix: a temp file next to it is written and fsynced, renamed over it,
/// and the directory is fsynced. An existing file keeps its permissions; a new one gets the
/// usual `0666 & !umask` (the reference's `mkstemp` would leave it `0600`). Every step is taken
/// beneath `root` ([`confined`]). The error names the path it concerns.
pub(crate) fn write_atomic(
    root: &Path,
    path: &Path,
    content: &[u8],
    create_dirs: bool,
) -> Result<(), Failure> {
    let entry = confined::entry_beneath(root, path, create_dirs)?;
    let dir = &entry.dir;
    let existing_mode = dir.regular_file_mode(&entry.name);
    let (tmp_name, mut tmp) = dir.create_temp(&entry.name)?;
    let written = (|| {
        tmp.write_all(content)?;
        tmp.flush()?;
        if let Some(mode) = existing_mode {
            use std::os::unix::fs::PermissionsExt;
            tmp.set_permissions(std::fs::Permissions::from_mode(mode))?;
        }
        tmp.sync_all()
    })();
    drop(tmp);
    let discard = |tmp_name: &OsStr| {
        let _ = dir.remove_file(tmp_name);
    };
    if let Err(e) = written {
        discard(&tmp_name);
        return Err((e, dir.path_of(&tmp_name)));
    }
    if let Err((e, _)) = dir.rename(&tmp_name, dir, &entry.name) {
        discard(&tmp_name);
        return Err((e, path.to_path_buf()));
    }
    dir.sync();
    Ok(())
}
