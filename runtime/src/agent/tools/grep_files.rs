//! `grep_files`: the files under a workspace path whose text matches a regular expression
//! (paths only, not lines). Hidden paths and files with a NUL in their first 1024 bytes are
//! skipped; `include` is an `fnmatch` glob on the path relative to the search root.
//!
//! Differences from the reference, on purpose: the pattern is compiled by the `regex` crate
//! (Python's `re` also has look-around and backreferences, which are refused here as invalid
//! patterns); directories are walked in name order (Python follows the file system's order);
//! a file reached through a symlink that resolves outside the workspace is not read, nor is
//! anything but a regular file (a FIFO would block the search).

use std::path::{Path, PathBuf};

use regex::Regex;
use serde_json::{Map, Value, json};

use super::args::{self, Field, Model, STR, Ty};
use super::{ToolContext, ToolResult, confined, paths};
use crate::text::python_strip;

static GREP_FILES_ARGS: Model = Model {
    name: "_GrepFilesArgs",
    fields: &[
        Field::required("pattern", STR),
        Field::optional("path", STR),
        Field::optional("include", STR),
        Field::defaulted("limit", Ty::Int { ge: Some(1) }),
    ],
};

/// Bytes checked for a NUL (binary file heuristic).
const BINARY_PROBE: usize = 1024;

pub(crate) fn grep_files(args: &Map<String, Value>, ctx: &ToolContext) -> ToolResult {
    let v = match args::validate(&GREP_FILES_ARGS, args) {
        Ok(v) => v,
        Err(msg) => return ToolResult::error("validation", msg),
    };
    let pattern = python_strip(v["pattern"].as_str().unwrap_or_default()).to_owned();
    if pattern.is_empty() {
        return ToolResult::error("validation", "pattern must be non-empty");
    }
    let include = v
        .get("include")
        .and_then(Value::as_str)
        .filter(|s| !python_strip(s).is_empty())
        .map(str::to_owned);
    let limit = v.get("limit").and_then(Value::as_i64).unwrap_or(100);
    let regex = match regex::RegexBuilder::new(&pattern)
        .size_limit(64 << 20)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            return ToolResult::error("validation", format!("invalid pattern regex: {e}"));
        }
    };
    let include_re = match include.as_deref().map(fnmatch_regex).transpose() {
        Ok(r) => r,
        Err(e) => return ToolResult::error("validation", format!("invalid include glob: {e}")),
    };

    let workspace = paths::resolve_real(&ctx.workspace_root);
    let root = match v.get("path").and_then(Value::as_str) {
        Some(p) => match paths::resolve_in_workspace(&ctx.workspace_root, p) {
            Ok(r) => r,
            Err(msg) => return ToolResult::error("permission", msg),
        },
        None => workspace.clone(),
    };
    if !root.exists() {
        return ToolResult::success("No matches found.\n", Some(json!({"files": []})));
    }

    let mut search = Search {
        workspace: &workspace,
        root: &root,
        regex: &regex,
        include: include_re.as_ref(),
        limit: usize::try_from(limit).unwrap_or(usize::MAX),
        matches: Vec::new(),
    };
    if root.is_file() {
        // The reference matches `include` against the file's path relative to itself: `.`.
        search.consider(&root, Path::new("."));
    } else if root.is_dir() {
        search.walk(&root);
    } else {
        return ToolResult::error("validation", "path must be a directory or a file");
    }
    let truncated = search.matches.len() >= search.limit;
    let matches = search.matches;
    let stdout = if matches.is_empty() {
        "No matches found.\n".to_owned()
    } else {
        format!("{}\n", matches.join("\n"))
    };
    ToolResult {
        truncated,
        ..ToolResult::success(
            stdout,
            Some(json!({
                "files": matches,
                "pattern": pattern,
                "root": paths::display(&root),
                "include": include,
                "limit": limit,
            })),
        )
    }
}

struct Search<'a> {
    workspace: &'a Path,
    root: &'a Path,
    regex: &'a Regex,
    include: Option<&'a Regex>,
    limit: usize,
    matches: Vec<String>,
}

impl Search<'_> {
    fn full(&self) -> bool {
        self.matches.len() >= self.limit
    }

    /// Pre-order walk: a directory's files, then its subdirectories (symlinks not entered).
    fn walk(&mut self, dir: &Path) {
        let Ok(read) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<(PathBuf, bool)> = read
            .filter_map(Result::ok)
            .map(|e| {
                let real_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
                (e.path(), real_dir)
            })
            .collect();
        entries.sort();
        for (path, _) in entries
            .iter()
            .filter(|(p, real_dir)| !real_dir && !p.is_dir())
        {
            if self.full() {
                return;
            }
            if let Ok(rel) = path.strip_prefix(self.root) {
                let rel = rel.to_path_buf();
                self.consider(path, &rel);
            }
        }
        for (path, _) in entries.iter().filter(|(_, real_dir)| *real_dir) {
            if self.full() {
                return;
            }
            let hidden = path
                .strip_prefix(self.root)
                .map(paths::has_hidden_component)
                .unwrap_or(true);
            if !hidden {
                self.walk(path);
            }
        }
    }

    fn consider(&mut self, path: &Path, rel: &Path) {
        if paths::has_hidden_component(rel) {
            return;
        }
        if let Some(glob) = self.include {
            let rel_posix = rel.to_string_lossy().replace('\\', "/");
            if !glob.is_match(&rel_posix) {
                return;
            }
        }
        let resolved = paths::resolve_real(path);
        if !resolved.starts_with(self.workspace) {
            return;
        }
        // Regular files only (a FIFO would block the search forever), opened beneath the root.
        let Ok(data) = confined::read_regular(self.workspace, &resolved) else {
            return;
        };
        if data[..data.len().min(BINARY_PROBE)].contains(&0) {
            return;
        }
        if self.regex.is_match(&String::from_utf8_lossy(&data)) {
            self.matches.push(paths::display(&resolved));
        }
    }
}

/// Python's `fnmatch.translate`: `*` any run (slashes included), `?` one character, `[...]`
/// a set (`[!...]` negated), everything else literal; the whole text must match.
fn fnmatch_regex(glob: &str) -> Result<Regex, regex::Error> {
    let chars: Vec<char> = glob.chars().collect();
    let mut out = String::from("(?s)^");
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' => {
                if !out.ends_with(".*") {
                    out.push_str(".*");
                }
            }
            '?' => out.push('.'),
            '[' => {
                let mut j = i;
                if j < chars.len() && chars[j] == '!' {
                    j += 1;
                }
                if j < chars.len() && chars[j] == ']' {
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    j += 1;
                }
                if j >= chars.len() {
                    out.push_str("\\[");
                    continue;
                }
                let set: String = chars[i..j].iter().collect();
                i = j + 1;
                let (negate, body) = match set.strip_prefix('!') {
                    Some(rest) => (true, rest.to_owned()),
                    None => (false, set),
                };
                let mut class = String::from("[");
                if negate {
                    class.push('^');
                }
                for ch in body.chars() {
                    match ch {
                        '\\' | '[' | ']' | '&' | '~' | '^' => {
                            class.push('\\');
                            class.push(ch);
                        }
                        _ => class.push(ch),
                    }
                }
                class.push(']');
                out.push_str(&class);
            }
            _ => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out.push('$');
    Regex::new(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnmatch_globs_match_like_python() {
        let g = fnmatch_regex("*.md").unwrap();
        assert!(g.is_match("a.md"));
        assert!(g.is_match("docs/deep/a.md"));
        assert!(!g.is_match("a.mdx"));
        let g = fnmatch_regex("src/?.[ch]").unwrap();
        assert!(g.is_match("src/a.c"));
        assert!(!g.is_match("src/ab.c"));
        let g = fnmatch_regex("[!a]*").unwrap();
        assert!(g.is_match("b.txt"));
        assert!(!g.is_match("a.txt"));
        assert!(fnmatch_regex("[unclosed").unwrap().is_match("[unclosed"));
    }
}
