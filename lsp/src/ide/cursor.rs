//! What is under an offset: the kind of document, a mention (whole or being typed), a near-miss,
//! the frontmatter, a Markdown link. Everything here looks at the current line or the region
//! it needs, never at the whole workspace.

use std::path::Path;

use skills_runtime::check::Workspace;
use skills_runtime::frontmatter::{self, FrontmatterError};
use skills_runtime::markdown::{self, Link};
use skills_runtime::mentions::{self, Mention, NearMiss};
use skills_runtime::text::{LineIndex, SourceRange, TextRange};

use super::Document;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocKind {
    /// A `SKILL.md`.
    Skill,
    /// A `runtime.yaml` overlay of the workspace.
    Config,
    /// Anything else (Markdown, text): only mentions matter.
    Text,
}

pub(crate) fn same_path(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

pub(crate) fn doc_kind(ws: &Workspace, path: &Path) -> DocKind {
    if path.file_name().is_some_and(|n| n == "SKILL.md") {
        return DocKind::Skill;
    }
    let is_yaml = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    );
    if is_yaml
        && (ws.config.overlays.iter().any(|o| same_path(&o.path, path))
            || (path.file_name().is_some_and(|n| n == "runtime.yaml")
                && path
                    .parent()
                    .and_then(Path::file_name)
                    .is_some_and(|n| n == "config")))
    {
        return DocKind::Config;
    }
    DocKind::Text
}

/// The content of the line holding `offset` (no line break).
pub(crate) fn line_at(text: &str, offset: usize) -> TextRange {
    let b = text.as_bytes();
    let offset = offset.min(b.len());
    let start = b[..offset]
        .iter()
        .rposition(|&c| c == b'\n' || c == b'\r')
        .map_or(0, |i| i + 1);
    let end = b[offset..]
        .iter()
        .position(|&c| c == b'\n' || c == b'\r')
        .map_or(b.len(), |i| offset + i);
    TextRange::new(start, end)
}

/// The mention whose text contains `offset` (its end included: a cursor right after it).
pub(crate) fn mention_at(text: &str, offset: usize) -> Option<Mention> {
    let line = line_at(text, offset);
    mentions::occurrences(&text.as_bytes()[line.start..line.end])
        .into_iter()
        .map(|m| shift_mention(m, line.start))
        .find(|m| m.range.start <= offset && offset <= m.range.end)
}

fn shift_mention(m: Mention, by: usize) -> Mention {
    Mention {
        range: m.range.shift(by),
        namespace_range: m.namespace_range.shift(by),
        name_range: m.name_range.shift(by),
        ..m
    }
}

/// Every mention occurrence of a text.
pub(crate) fn mentions_in(text: &str) -> Vec<Mention> {
    mentions::occurrences(text.as_bytes())
}

/// A near-miss (text the runtime ignores or truncates) that contains `offset`.
pub(crate) fn near_miss_at(text: &str, offset: usize) -> Option<NearMiss> {
    let line = line_at(text, offset);
    mentions::near_misses(&text.as_bytes()[line.start..line.end])
        .into_iter()
        .map(|mut n| {
            n.range = n.range.shift(line.start);
            n.extracted = n.extracted.map(|m| shift_mention(m, line.start));
            n
        })
        .find(|n| n.range.start <= offset && offset <= n.range.end)
}

/// A mention being typed around the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Partial {
    /// Inside the brackets of `$[`: `typed` is the namespace text before the cursor, `token`
    /// the whole namespace text (after the cursor too), `closed` whether `]` follows it.
    Namespace {
        typed: String,
        token: TextRange,
        closed: bool,
    },
    /// After `$[ns].`: `token` is the whole name text.
    Name {
        namespace: String,
        typed: String,
        token: TextRange,
    },
    /// Right after `$[ns]` with no `.` yet.
    AfterBracket { namespace: String, at: usize },
    /// `$` followed by name-like text (or nothing): a whole mention is wanted.
    Dollar { typed: String, token: TextRange },
}

fn is_ns_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':')
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')
}

/// What mention, if any, the cursor is typing. Lenient about case and `_` so that a near-miss
/// being corrected still completes.
pub(crate) fn partial_at(text: &str, offset: usize) -> Option<Partial> {
    let b = text.as_bytes();
    let line = line_at(text, offset);
    let before = &b[line.start..offset];
    // Walk back over namespace/name characters to find the structure.
    let mut i = before.len();
    while i > 0 && is_name_char(before[i - 1]) {
        i -= 1;
    }
    let word_start = line.start + i;
    let mut name_end = offset;
    while name_end < line.end && is_name_char(b[name_end]) {
        name_end += 1;
    }
    // `$[ns].na|me`
    if i >= 2 && before[i - 1] == b'.' && before[i - 2] == b']' {
        let close = line.start + i - 2;
        if let Some(open) = bracket_open(b, line.start, close) {
            let namespace = text[open + 2..close].to_string();
            return Some(Partial::Name {
                namespace,
                typed: text[word_start..offset].to_string(),
                token: TextRange::new(word_start, name_end),
            });
        }
    }
    // `$[ns]|`
    if i == before.len() && i >= 1 && before[i - 1] == b']' {
        let close = offset - 1;
        if let Some(open) = bracket_open(b, line.start, close) {
            if b.get(offset) != Some(&b'.') {
                return Some(Partial::AfterBracket {
                    namespace: text[open + 2..close].to_string(),
                    at: offset,
                });
            }
        }
    }
    // `$[na|me` or `$[acme:do|cs]`
    let mut j = before.len();
    while j > 0 && is_ns_char(before[j - 1]) {
        j -= 1;
    }
    if j >= 2 && before[j - 1] == b'[' && before[j - 2] == b'$' {
        let ns_start = line.start + j;
        let mut end = offset;
        while end < line.end && is_ns_char(b[end]) {
            end += 1;
        }
        return Some(Partial::Namespace {
            typed: text[ns_start..offset].to_string(),
            token: TextRange::new(ns_start, end),
            closed: b.get(end) == Some(&b']'),
        });
    }
    // `$na|` or `$|`
    if i >= 1 && before[i - 1] == b'$' && b.get(name_end) != Some(&b'[') {
        let dollar = word_start - 1;
        return Some(Partial::Dollar {
            typed: text[word_start..offset].to_string(),
            token: TextRange::new(dollar, name_end),
        });
    }
    None
}

/// The `$[` that opens the bracket closing at `close`, if the text between is namespace-like.
fn bracket_open(b: &[u8], line_start: usize, close: usize) -> Option<usize> {
    let mut k = close;
    while k > line_start && is_ns_char(b[k - 1]) {
        k -= 1;
    }
    (k >= line_start + 2 && b[k - 1] == b'[' && b[k - 2] == b'$' && k < close).then(|| k - 2)
}

/// The frontmatter of a Markdown document, as the runtime splits it, when the document has
/// one. An unterminated frontmatter (being typed) runs to the end of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrontmatterRegion {
    /// The YAML between the delimiters.
    pub yaml: TextRange,
    pub body_start: usize,
    pub closed: bool,
}

pub(crate) fn frontmatter(text: &str) -> Option<FrontmatterRegion> {
    match frontmatter::split(text.as_bytes(), usize::MAX / 2).result {
        Ok(fm) => Some(FrontmatterRegion {
            yaml: fm.yaml,
            body_start: fm.body_start,
            closed: true,
        }),
        Err(FrontmatterError::Unterminated { open }) => {
            let b = text.as_bytes();
            let mut start = open.end;
            if b.get(start) == Some(&b'\r') {
                start += 1;
            }
            if b.get(start) == Some(&b'\n') {
                start += 1;
            }
            Some(FrontmatterRegion {
                yaml: TextRange::new(start.min(b.len()), b.len()),
                body_start: b.len(),
                closed: false,
            })
        }
        Err(_) => None,
    }
}

/// Where the Markdown body starts (after the frontmatter, if any).
pub(crate) fn body_start(text: &str) -> usize {
    frontmatter(text).map_or(0, |f| f.body_start)
}

/// Markdown links of the document's body.
pub(crate) fn links(text: &str) -> Vec<Link> {
    markdown::links(text.as_bytes(), body_start(text))
}

/// The relative link whose destination contains `offset`.
pub(crate) fn link_at(text: &str, offset: usize) -> Option<Link> {
    links(text)
        .into_iter()
        .find(|l| l.is_relative() && l.range.start <= offset && offset <= l.range.end)
}

/// A range of the current document as a full `SourceRange`.
pub(crate) struct DocLines<'a> {
    text: &'a str,
    index: LineIndex,
}

impl<'a> DocLines<'a> {
    pub fn new(doc: Document<'a>) -> Self {
        DocLines {
            text: doc.text,
            index: LineIndex::new(doc.text.as_bytes()),
        }
    }
    pub fn source(&self, range: TextRange) -> SourceRange {
        self.index.source_range(self.text.as_bytes(), range)
    }
}

/// A range inside a mention site on one line: `SourceRange` of bytes `[from, to)` relative to the
/// start of a mention located at `site` (mentions are ASCII, so columns move with bytes).
pub(crate) fn within_site(site: SourceRange, from: usize, to: usize) -> SourceRange {
    let at = |d: usize| skills_runtime::text::LineCol {
        line: site.start.line,
        utf8: site.start.utf8 + d as u32,
        utf16: site.start.utf16 + d as u32,
    };
    SourceRange {
        start: at(from),
        end: at(to),
        bytes: TextRange::new(site.bytes.start + from, site.bytes.start + to),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partial(with_bar: &str) -> Option<Partial> {
        let at = with_bar.find('|').unwrap();
        partial_at(&with_bar.replacen('|', "", 1), at)
    }

    #[test]
    fn partial_mentions_cover_the_whole_token() {
        assert_eq!(
            partial("see $[ac|me:docs].x"),
            Some(Partial::Namespace {
                typed: "ac".into(),
                token: TextRange::new(6, 15),
                closed: true
            })
        );
        assert_eq!(
            partial("$[acme:docs].art|icle-writer, ok"),
            Some(Partial::Name {
                namespace: "acme:docs".into(),
                typed: "art".into(),
                token: TextRange::new(13, 27)
            })
        );
        assert_eq!(
            partial("$[acme]|"),
            Some(Partial::AfterBracket {
                namespace: "acme".into(),
                at: 7
            })
        );
        assert_eq!(
            partial("x $|"),
            Some(Partial::Dollar {
                typed: "".into(),
                token: TextRange::new(2, 3)
            })
        );
        assert_eq!(
            partial("日本 $[|"),
            Some(Partial::Namespace {
                typed: "".into(),
                token: TextRange::new(9, 9),
                closed: false
            })
        );
        assert_eq!(partial("plain te|xt"), None);
    }

    #[test]
    fn mention_at_includes_both_edges() {
        let t = "a $[web].ab b";
        assert!(mention_at(t, 1).is_none());
        assert_eq!(mention_at(t, 2).unwrap().skill_name, "ab");
        assert_eq!(mention_at(t, 11).unwrap().skill_name, "ab");
        assert!(mention_at(t, 12).is_none());
        let crlf = "x\r\n$[web].cd\r\n";
        assert_eq!(mention_at(crlf, 5).unwrap().range, TextRange::new(3, 12));
    }

    #[test]
    fn unterminated_frontmatter_runs_to_the_end() {
        let f = frontmatter("---\r\nname: x\r\nna").unwrap();
        assert_eq!(f.yaml, TextRange::new(5, 16));
        assert!(!f.closed);
        assert!(frontmatter("# no frontmatter").is_none());
    }
}
