//! Editing `skills-lsp.toml` in place: adding a rule to `[per-file-ignores]` for one file,
//! keeping the rest of the file (comments, order) untouched.

use std::path::Path;

use skills_runtime::settings::FILE_NAME;
use skills_runtime::text::{LineIndex, TextRange};

use super::WorkspaceChange;

/// A path as a glob that matches only itself: metacharacters go into character classes.
fn literal_glob(rel: &str) -> String {
    let mut out = String::with_capacity(rel.len());
    for c in rel.chars() {
        match c {
            '*' | '?' | '[' | ']' | '{' | '}' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            _ => out.push(c),
        }
    }
    out
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Reads a TOML key at the start of `s` (bare or basic-quoted): the key and the rest.
fn read_key(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start();
    if let Some(rest) = s.strip_prefix('"') {
        let mut key = String::new();
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Some((key, &rest[i + 1..])),
                '\\' => match chars.next()?.1 {
                    'n' => key.push('\n'),
                    't' => key.push('\t'),
                    c => key.push(c),
                },
                c => key.push(c),
            }
        }
        return None;
    }
    if let Some(rest) = s.strip_prefix('\'') {
        let end = rest.find('\'')?;
        return Some((rest[..end].to_string(), &rest[end + 1..]));
    }
    let end = s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))?;
    (end > 0).then(|| (s[..end].to_string(), &s[end..]))
}

/// The byte offset of the `]` closing the array that opens at `open` (strings skipped).
fn array_end(text: &str, open: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = open + 1;
    let mut depth = 1;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'\'' => {
                i += 1;
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The change that stops rule `code` from being reported for `rel_path` (relative to the
/// workspace `root`): a `[per-file-ignores]` entry in `skills-lsp.toml`, created if missing.
/// `None` when the entry already lists the code or the file cannot be read.
pub(crate) fn ignore_rule(root: &Path, rel_path: &str, code: &str) -> Option<WorkspaceChange> {
    let path = root.join(FILE_NAME);
    let glob = literal_glob(rel_path);
    let entry = format!("{} = [\"{code}\"]", toml_string(&glob));
    let mut change = WorkspaceChange::default();
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            change
                .creates
                .push((path, format!("[per-file-ignores]\n{entry}\n")));
            return Some(change);
        }
        Err(_) => return None,
    };
    let eol = super::completion::eol(&text);
    let lines = LineIndex::new(text.as_bytes());
    let mut edit = |range: TextRange, new_text: String| {
        change.edit(&path, lines.source_range(text.as_bytes(), range), new_text);
    };
    // Find the table, and in it an entry for this glob.
    let mut in_table = false;
    let mut header_end: Option<usize> = None;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let trimmed = content.trim();
        if trimmed.starts_with('[') {
            let name = trimmed
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or_default()
                .trim();
            in_table = !trimmed.starts_with("[[") && name == "per-file-ignores";
            if in_table {
                header_end = Some(pos + content.len());
            }
        } else if in_table {
            if let Some((key, rest)) = read_key(content) {
                if key == glob {
                    let eq = rest.find('=')?;
                    let after = &rest[eq + 1..];
                    let open_rel = after.find('[')?;
                    let open = pos + (content.len() - rest.len()) + eq + 1 + open_rel;
                    let close = array_end(&text, open)?;
                    let inside = &text[open + 1..close];
                    if inside.contains(&format!("\"{code}\""))
                        || inside.contains(&format!("'{code}'"))
                    {
                        return None;
                    }
                    let trimmed_inside = inside.trim_end();
                    let insert_at = open + 1 + trimmed_inside.len();
                    let new_text = if trimmed_inside.trim().is_empty() {
                        format!("\"{code}\"")
                    } else if trimmed_inside.ends_with(',') {
                        format!(" \"{code}\"")
                    } else {
                        format!(", \"{code}\"")
                    };
                    edit(TextRange::empty(insert_at), new_text);
                    return Some(change);
                }
            }
        }
        pos += line.len();
    }
    match header_end {
        Some(at) => edit(TextRange::empty(at), format!("{eol}{entry}")),
        None => {
            let mut add = String::new();
            if !text.is_empty() && !text.ends_with(['\n', '\r']) {
                add.push_str(eol);
            }
            if !text.trim().is_empty() {
                add.push_str(eol);
            }
            add.push_str(&format!("[per-file-ignores]{eol}{entry}{eol}"));
            edit(TextRange::empty(text.len()), add);
        }
    }
    Some(change)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::TestWorkspace;
    use super::*;

    /// Applies a single-file change to the text on disk (edits in reverse order).
    fn apply(t: &TestWorkspace, change: &WorkspaceChange) -> String {
        if let Some((_, content)) = change.creates.first() {
            return content.clone();
        }
        let (_, mut text) = t.disk_doc(FILE_NAME);
        let mut edits = change.edits[0].edits.clone();
        edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.bytes.start));
        for (r, new) in edits {
            text.replace_range(r.bytes.start..r.bytes.end, &new);
        }
        text
    }

    fn parses_with_ignore(text: &str, glob: &str, code: &str) {
        let s = skills_runtime::settings::Settings::parse(text).expect("valid settings");
        assert!(
            s.per_file_ignores
                .iter()
                .any(|(g, c)| g == glob && c.contains(&code)),
            "{text}"
        );
    }

    #[test]
    fn creates_the_file_when_missing() {
        let t = TestWorkspace::new();
        let c = ignore_rule(&t.root, "skills/a b/SKILL.md", "SK301").unwrap();
        assert_eq!(c.creates[0].0, t.path(FILE_NAME));
        parses_with_ignore(&apply(&t, &c), "skills/a b/SKILL.md", "SK301");
    }

    #[test]
    fn extends_an_existing_entry_or_table() {
        let t = TestWorkspace::new();
        t.file(
            FILE_NAME,
            "profile = \"runtime\"\r\n\r\n[per-file-ignores]\r\n\"docs/x.md\" = [\"SK302\"]  # keep\r\n\r\n[rules]\r\nSK301 = \"warning\"\r\n",
        );
        let c = ignore_rule(&t.root, "docs/x.md", "SK301").unwrap();
        let out = apply(&t, &c);
        assert!(
            out.contains("\"docs/x.md\" = [\"SK302\", \"SK301\"]  # keep"),
            "{out}"
        );
        parses_with_ignore(&out, "docs/x.md", "SK301");
        let c = ignore_rule(&t.root, "docs/[y].md", "SK303").unwrap();
        let out = apply(&t, &c);
        assert!(
            out.contains("[per-file-ignores]\r\n\"docs/[[]y[]].md\" = [\"SK303\"]\r\n"),
            "{out}"
        );
        parses_with_ignore(&out, "docs/[[]y[]].md", "SK303");
        assert!(ignore_rule(&t.root, "docs/x.md", "SK302").is_none());
    }

    #[test]
    fn appends_the_table_when_absent() {
        let t = TestWorkspace::new();
        t.file(FILE_NAME, "profile = \"runtime\"");
        let c = ignore_rule(&t.root, "a.md", "SK301").unwrap();
        let out = apply(&t, &c);
        assert_eq!(
            out,
            "profile = \"runtime\"\n\n[per-file-ignores]\n\"a.md\" = [\"SK301\"]\n"
        );
    }
}
