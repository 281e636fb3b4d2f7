//! `file_read` (whole text file, head and tail kept beyond the byte cap) and `file_write`
//! (atomic overwrite: temp file in the same directory, fsync, rename, directory fsync).

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::args::{self, Field, Model, POSITIVE_INT, STR, Ty};
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
    match read_head_tail(&path, max_bytes) {
        Ok((text, truncated)) => ToolResult {
            truncated,
            ..ToolResult::success(text, Some(json!({"path": raw})))
        },
        Err(e) => ToolResult::error("unknown", os_error_text(&e, &paths::display(&path))),
    }
}

/// The file's text when it fits in `max_bytes`; otherwise its first half and last half joined
/// by the marker. Invalid UTF-8 becomes U+FFFD.
fn read_head_tail(path: &Path, max_bytes: u64) -> std::io::Result<(String, bool)> {
    let size = std::fs::metadata(path)?.len();
    if size <= max_bytes {
        let data = std::fs::read(path)?;
        return Ok((String::from_utf8_lossy(&data).into_owned(), false));
    }
    let head_len = max_bytes / 2;
    let tail_len = max_bytes - head_len;
    let mut f = std::fs::File::open(path)?;
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
    if let Err((e, at)) = write_atomic(&path, content.as_bytes(), create_dirs) {
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

/// Replaces `path` with `content` so that readers see the old file or the new one, never a
/// mix: a temp file next to it is written and fsynced, renamed over it, and the directory is
/// fsynced. An existing file keeps its permissions; a new one gets the usual `0666 & !umask`
/// (the reference's `mkstemp` would leave it `0600`). The error names the path it concerns.
pub(crate) fn write_atomic(
    path: &Path,
    content: &[u8],
    create_dirs: bool,
) -> Result<(), (std::io::Error, PathBuf)> {
    let parent = path.parent().unwrap_or(Path::new("/")).to_path_buf();
    if create_dirs {
        std::fs::create_dir_all(&parent).map_err(|e| (e, parent.clone()))?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let existing_mode = std::fs::metadata(path).ok().map(|m| m.permissions());
    let (tmp_path, mut tmp) = create_temp(&parent, &name)?;
    let written = (|| {
        tmp.write_all(content)?;
        tmp.flush()?;
        if let Some(perms) = existing_mode {
            tmp.set_permissions(perms)?;
        }
        tmp.sync_all()
    })();
    drop(tmp);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp_path);
        return Err((e, tmp_path));
    }
    if let Err(e) = std::fs::rename(&tmp_path, path) {
        let _ = std::fs::remove_file(&tmp_path);
        return Err((e, path.to_path_buf()));
    }
    if let Ok(dir) = std::fs::File::open(&parent) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// `.<name>.<random>` in `dir`, created exclusively.
fn create_temp(
    dir: &Path,
    name: &str,
) -> Result<(PathBuf, std::fs::File), (std::io::Error, PathBuf)> {
    let mut last = None;
    for _ in 0..16 {
        let suffix: String = (0..8).map(|_| fastrand::alphanumeric()).collect();
        let candidate = dir.join(format!(".{name}.{suffix}"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(f) => return Ok((candidate, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err((e, candidate)),
        }
    }
    Err((
        last.unwrap_or_else(|| std::io::Error::other("no temporary name available")),
        dir.to_path_buf(),
    ))
}
