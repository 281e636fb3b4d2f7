//! `read_file`: numbered lines (`L<n>: <text>`, each clipped to 500 characters) of a UTF-8
//! file, either a slice (`offset`, `limit`) or, in `indentation` mode, the indented block
//! around an anchor line, widened level by level up to `max_levels` enclosing headers.
//!
//! Lines are what Python's `read_text()` + `str.splitlines()` give: `\r\n` and `\r` read as
//! `\n`, and vertical tab, form feed, U+001C–U+001E, U+0085, U+2028 and U+2029 also end lines.

use serde_json::{Map, Value, json};

use super::args::{self, Field, Model, STR, Ty};
use super::{ToolContext, ToolResult, confined, os_error_text, paths};
use crate::text::{python_splitlines, python_strip};

const MAX_LINE_CHARS: usize = 500;

static INDENTATION_ARGS: Model = Model {
    name: "_ReadFileIndentationArgs",
    fields: &[
        Field::optional("anchor_line", Ty::Int { ge: Some(1) }),
        Field::defaulted("max_levels", Ty::Int { ge: Some(0) }),
        Field::defaulted("include_siblings", Ty::Bool),
        Field::defaulted("include_header", Ty::Bool),
        Field::optional("max_lines", Ty::Int { ge: Some(1) }),
    ],
};

static READ_FILE_ARGS: Model = Model {
    name: "_ReadFileArgs",
    fields: &[
        Field::required("file_path", STR),
        Field::defaulted("offset", Ty::Int { ge: Some(1) }),
        Field::defaulted("limit", Ty::Int { ge: Some(1) }),
        Field::defaulted("mode", STR),
        Field::optional("indentation", Ty::Model(&INDENTATION_ARGS)),
    ],
};

/// Indentation-mode settings after defaults.
struct Indentation {
    anchor_line: Option<i64>,
    max_levels: i64,
    include_siblings: bool,
    include_header: bool,
    max_lines: Option<i64>,
}

pub(crate) fn read_file(args: &Map<String, Value>, ctx: &ToolContext) -> ToolResult {
    let v = match args::validate(&READ_FILE_ARGS, args) {
        Ok(v) => v,
        Err(msg) => return ToolResult::error("validation", msg),
    };
    let raw = v["file_path"].as_str().unwrap_or_default();
    let offset = v.get("offset").and_then(Value::as_i64).unwrap_or(1);
    let limit = v.get("limit").and_then(Value::as_i64).unwrap_or(2000);
    let mode_arg = python_strip(v.get("mode").and_then(Value::as_str).unwrap_or(""));
    let mode = if mode_arg.is_empty() {
        "slice"
    } else {
        mode_arg
    };
    if mode != "slice" && mode != "indentation" {
        return ToolResult::error_with_data(
            "validation",
            "mode is not supported",
            json!({"mode": mode, "supported": ["slice", "indentation"]}),
        );
    }
    let ind = v.get("indentation").and_then(Value::as_object);
    let ind = Indentation {
        anchor_line: ind
            .and_then(|m| m.get("anchor_line"))
            .and_then(Value::as_i64),
        max_levels: ind
            .and_then(|m| m.get("max_levels"))
            .and_then(Value::as_i64)
            .unwrap_or(4),
        include_siblings: ind
            .and_then(|m| m.get("include_siblings"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        include_header: ind
            .and_then(|m| m.get("include_header"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        max_lines: ind.and_then(|m| m.get("max_lines")).and_then(Value::as_i64),
    };

    let path = match paths::resolve_in_workspace(&ctx.workspace_root, raw) {
        Ok(p) => p,
        Err(msg) => return ToolResult::error("permission", msg),
    };
    if !path.exists() {
        return ToolResult::error_with_data(
            "not_found",
            format!("file not found: {raw}"),
            json!({"file_path": raw}),
        );
    }
    if path.is_dir() {
        return ToolResult::error_with_data(
            "validation",
            "file_path must be a file",
            json!({"file_path": raw}),
        );
    }
    let shown = paths::display(&path);
    let bytes = match confined::read_regular(&ctx.workspace_root, &path) {
        Ok(b) => b,
        Err((e, at)) => {
            return ToolResult::error_with_data(
                "unknown",
                os_error_text(&e, &paths::display(&at)),
                json!({"file_path": shown}),
            );
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return ToolResult::error_with_data(
            "validation",
            "failed to decode file as utf-8 text",
            json!({"file_path": shown}),
        );
    };
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines = python_splitlines(&text);
    let total = lines.len() as i64;

    if (total == 0 && offset != 1) || (offset > total && total > 0) {
        return ToolResult::error_with_data(
            "validation",
            "offset exceeds file length",
            json!({"file_path": shown, "offset": offset, "total_lines": total}),
        );
    }

    let mut max_output = limit;
    let (mut start, mut end);
    if mode == "slice" {
        start = offset - 1;
        end = total.min(start.saturating_add(limit)) - 1;
    } else {
        let anchor = ind.anchor_line.unwrap_or(offset);
        if total == 0 || anchor < 1 || anchor > total {
            return ToolResult::error_with_data(
                "validation",
                "anchor_line exceeds file length",
                json!({"file_path": shown, "anchor_line": anchor, "total_lines": total}),
            );
        }
        max_output = ind.max_lines.unwrap_or(limit);
        let anchor_idx = usize::try_from(anchor - 1).unwrap_or(0);
        match select_block(&lines, anchor_idx, &ind) {
            Some((s, e)) => {
                start = s as i64;
                end = e;
            }
            None => {
                start = anchor - 1;
                end = total.min(start.saturating_add(max_output)) - 1;
            }
        }
    }
    if total == 0 {
        start = 0;
        end = -1;
    }

    let out_start = start.max(0);
    let out_end = end.min(total - 1);
    let mut out_lines = Vec::new();
    let mut range_truncated = false;
    if out_end >= out_start {
        let full = out_end - out_start + 1;
        let n = full.min(max_output);
        range_truncated = n < full;
        for i in out_start..out_start + n {
            let line = lines[usize::try_from(i).unwrap_or(0)];
            out_lines.push(format!("L{}: {}", i + 1, clip(line)));
        }
    }
    let truncated = if mode == "slice" {
        (offset - 1).saturating_add(limit) < total
    } else {
        range_truncated
    };
    let mut stdout = out_lines.join("\n");
    if !out_lines.is_empty() {
        stdout.push('\n');
    }
    ToolResult {
        truncated,
        ..ToolResult::success(
            stdout,
            Some(json!({
                "file_path": shown,
                "offset": offset,
                "limit": limit,
                "total_lines": total,
                "mode": mode,
            })),
        )
    }
}

fn clip(line: &str) -> String {
    match line.char_indices().nth(MAX_LINE_CHARS) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None => line.to_owned(),
    }
}

fn is_blank(line: &str) -> bool {
    python_strip(line).is_empty()
}

/// Leading indentation (tab = 4), 0 for blank lines.
fn indent_width(line: &str) -> usize {
    if is_blank(line) {
        return 0;
    }
    line.chars()
        .map_while(|c| match c {
            ' ' => Some(1),
            '\t' => Some(4),
            _ => None,
        })
        .sum()
}

fn next_nonblank(lines: &[&str], from: usize) -> Option<usize> {
    (from..lines.len()).find(|&i| !is_blank(lines[i]))
}

/// The nearest line at or above `from` that is less indented than `indent` and followed by a
/// more indented non-blank line (a block header).
fn header_above(lines: &[&str], from: usize, indent: usize) -> Option<usize> {
    (0..=from).rev().find(|&i| {
        if is_blank(lines[i]) {
            return false;
        }
        let h = indent_width(lines[i]);
        h < indent && next_nonblank(lines, i + 1).is_some_and(|n| indent_width(lines[n]) > h)
    })
}

/// The body of a header's block: from the next line to before the next non-blank line
/// indented no deeper than the header. `(start, end)` with `end < start` when empty.
fn block_of(lines: &[&str], header: usize) -> (usize, i64) {
    if header + 1 >= lines.len() {
        return (lines.len(), lines.len() as i64 - 1);
    }
    let h = indent_width(lines[header]);
    let start = header + 1;
    let end = (start..lines.len())
        .find(|&i| !is_blank(lines[i]) && indent_width(lines[i]) <= h)
        .map_or(lines.len() as i64 - 1, |i| i as i64 - 1);
    (start, end)
}

/// The range shown in indentation mode, or `None` when the anchor has no enclosing header
/// (the caller falls back to a slice from the anchor).
fn select_block(lines: &[&str], anchor: usize, ind: &Indentation) -> Option<(usize, i64)> {
    let anchor_indent = indent_width(lines[anchor]);
    if anchor_indent == 0 {
        return None;
    }
    let target = if ind.max_levels > 0 {
        usize::try_from(ind.max_levels).unwrap_or(usize::MAX)
    } else {
        10_000
    };
    // One more level is collected so that siblings can be shown through the parent's block.
    let collect = if ind.include_siblings && ind.max_levels > 0 {
        target.saturating_add(1)
    } else {
        target
    };
    let mut headers = Vec::new();
    let mut from = anchor.checked_sub(1);
    let mut indent = anchor_indent;
    while let Some(f) = from {
        if headers.len() >= collect {
            break;
        }
        let Some(h) = header_above(lines, f, indent) else {
            break;
        };
        headers.push(h);
        from = h.checked_sub(1);
        indent = indent_width(lines[h]);
    }
    if headers.is_empty() {
        return None;
    }
    let levels = headers.len().min(target);
    let mut selected = headers[levels - 1];
    if ind.include_siblings && ind.max_levels > 0 && headers.len() > levels {
        selected = headers[levels];
    }
    let (start, end) = block_of(lines, selected);
    if end < start as i64 {
        return ind.include_header.then_some((selected, selected as i64));
    }
    if ind.include_header {
        Some((selected, end))
    } else {
        Some((start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_clipped_by_characters() {
        let line = "é".repeat(501);
        assert_eq!(clip(&line), format!("{}...", "é".repeat(500)));
        assert_eq!(clip("short"), "short");
    }

    #[test]
    fn indentation_selects_the_enclosing_block() {
        let src = "def a():\n    x = 1\n    if x:\n        y = 2\n    z = 3\ndef b():\n    pass\n";
        let lines = python_splitlines(src);
        let ind = |levels, siblings, header| Indentation {
            anchor_line: None,
            max_levels: levels,
            include_siblings: siblings,
            include_header: header,
            max_lines: None,
        };
        // Anchor `y = 2`: one level up is the `if x:` block.
        assert_eq!(select_block(&lines, 3, &ind(1, false, false)), Some((3, 3)));
        assert_eq!(select_block(&lines, 3, &ind(1, false, true)), Some((2, 3)));
        // Two levels: the whole function body.
        assert_eq!(select_block(&lines, 3, &ind(2, false, false)), Some((1, 4)));
        // Siblings of level 1 = the parent's block.
        assert_eq!(select_block(&lines, 3, &ind(1, true, false)), Some((1, 4)));
        // Top-level anchor: no block.
        assert_eq!(select_block(&lines, 0, &ind(4, false, false)), None);
    }
}
