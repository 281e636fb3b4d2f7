//! `view_image`: a workspace image (up to 5 MiB) as base64 with a MIME type guessed from its
//! extension. A larger file is refused from its size, without being read.

use std::io::Read;

use serde_json::{Map, Value, json};

use super::args::{self, Field, Model, NON_EMPTY_STR};
use super::{ToolContext, ToolResult, confined, os_error_text, paths};

const MAX_IMAGE_BYTES: u64 = 5 * 1024 * 1024;

static VIEW_IMAGE_ARGS: Model = Model {
    name: "_ViewImageArgs",
    fields: &[Field::required("path", NON_EMPTY_STR)],
};

pub(crate) fn view_image(args: &Map<String, Value>, ctx: &ToolContext) -> ToolResult {
    let v = match args::validate(&VIEW_IMAGE_ARGS, args) {
        Ok(v) => v,
        Err(msg) => return ToolResult::error("validation", msg),
    };
    let raw = v["path"].as_str().unwrap_or_default();
    let path = match paths::resolve_in_workspace(&ctx.workspace_root, raw) {
        Ok(p) => p,
        Err(msg) => return ToolResult::error("permission", msg),
    };
    let shown = paths::display(&path);
    if !path.exists() {
        return ToolResult::error_with_data("not_found", "image not found", json!({"path": raw}));
    }
    if !path.is_file() {
        return ToolResult::error_with_data(
            "validation",
            "path must be a file",
            json!({"path": shown}),
        );
    }
    let too_large = |bytes: u64| {
        ToolResult::error_with_data(
            "validation",
            "image exceeds max bytes",
            json!({"path": shown, "bytes": bytes, "max_bytes": MAX_IMAGE_BYTES}),
        )
    };
    let read = confined::open_regular(&ctx.workspace_root, &path).and_then(|file| {
        let size = file.metadata().map_err(|e| (e, path.clone()))?.len();
        let mut bytes = Vec::new();
        // Never more than one byte past the cap, whatever the file has become since.
        if size <= MAX_IMAGE_BYTES {
            file.take(MAX_IMAGE_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| (e, path.clone()))?;
        }
        Ok((size, bytes))
    });
    let bytes = match read {
        Ok((size, _)) if size > MAX_IMAGE_BYTES => return too_large(size),
        Ok((_, bytes)) if bytes.len() as u64 > MAX_IMAGE_BYTES => {
            return too_large(bytes.len() as u64);
        }
        Ok((_, bytes)) => bytes,
        Err((e, at)) => {
            return ToolResult::error_with_data(
                "unknown",
                os_error_text(&e, &paths::display(&at)),
                json!({"path": shown}),
            );
        }
    };
    let mime = match path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .as_deref()
    {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        _ => "application/octet-stream",
    };
    ToolResult::success(
        "",
        Some(json!({"path": shown, "mime": mime, "base64": base64(&bytes), "bytes": bytes.len()})),
    )
}

/// Standard base64 with padding.
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(&[0xff, 0xfe, 0xfd, 0x00]), "//79AA==");
    }
}
