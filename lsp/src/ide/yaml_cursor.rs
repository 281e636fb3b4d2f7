//! Where an offset sits in YAML that may be half-typed: the keys and list items that contain
//! it and whether it is on a key or a value. Works line by line from indentation (plus the
//! flow collections of the cursor's line), so it answers while the document does not parse —
//! which is most of the time during completion.

use skills_runtime::text::TextRange;

/// One step of a path: a mapping key, or an item of a list (identified by where it starts, so
/// that two items are never taken for one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Item(usize),
}

/// What the offset is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Slot {
    /// A key being written or hovered: `range` is the whole key token (maybe empty).
    Key {
        range: TextRange,
        /// The token follows `- ` directly and no `:` follows it: it may as well be a scalar
        /// list item (the schema decides).
        bare_item: bool,
        /// A `:` already follows the token.
        has_colon: bool,
    },
    /// The value of `key` (an item of its list when `item`); `range` is the whole value token.
    Value {
        key: String,
        key_range: TextRange,
        range: TextRange,
        item: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct YamlCursor {
    /// The mapping (or list) that contains the slot; for a value, the mapping holding its key.
    pub path: Vec<Seg>,
    pub slot: Slot,
    /// Keys already present in the same mapping as a key slot (the slot's own key excluded).
    pub siblings: Vec<String>,
}

impl YamlCursor {
    /// The path as the schema names it: keys, list items as `key[]`.
    pub fn schema_path(&self) -> Vec<String> {
        schema_path(&self.path)
    }
}

/// `[skills, spaces, Item, ...]` → `["skills", "spaces[]", ...]`.
pub(crate) fn schema_path(path: &[Seg]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for seg in path {
        match seg {
            Seg::Key(k) => out.push(k.clone()),
            Seg::Item(_) => {
                if let Some(last) = out.last_mut() {
                    last.push_str("[]");
                }
            }
        }
    }
    out
}

/// A stack entry while walking block lines: children must be indented beyond `col`.
#[derive(Debug, Clone)]
struct Open {
    col: usize,
    seg: Seg,
}

/// One physical line, split into what matters.
struct LineShape {
    start: usize,
    /// Content end (no line break, no trailing comment).
    end: usize,
    /// Column of the first non-blank character (the line's length when blank).
    indent: usize,
    /// Columns of the `- ` markers at the start.
    dashes: Vec<usize>,
    /// Column where the content after the markers starts.
    content: usize,
    /// A `key:` at `content`: key end column and whether anything follows the colon.
    key: Option<(usize, usize)>,
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Offset where a `#` comment starts in `line` (outside quotes), or the line's end.
fn comment_start(line: &[u8]) -> usize {
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < line.len() {
        let b = line[i];
        match quote {
            Some(q) => {
                if b == q {
                    quote = None;
                } else if b == b'\\' && q == b'"' {
                    i += 1;
                }
            }
            None => match b {
                b'"' | b'\'' if i == 0 || !line[i - 1].is_ascii_alphanumeric() => quote = Some(b),
                b'#' if i == 0 || is_blank(line[i - 1]) => return i,
                _ => {}
            },
        }
        i += 1;
    }
    line.len()
}

/// The column of the `:` that ends a plain or quoted key starting at `from`, if the text at
/// `from` is `key:` (colon followed by a blank or the end).
fn key_colon(line: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    if let Some(&q @ (b'"' | b'\'')) = line.get(i) {
        i += 1;
        while i < line.len() && line[i] != q {
            i += 1;
        }
        i += 1;
        return (line.get(i) == Some(&b':') && line.get(i + 1).is_none_or(|&b| is_blank(b)))
            .then_some(i);
    }
    if matches!(
        line.get(i),
        Some(b'{' | b'[' | b'|' | b'>' | b'&' | b'*' | b'!')
    ) {
        return None;
    }
    while i < line.len() {
        if line[i] == b':' && line.get(i + 1).is_none_or(|&b| is_blank(b)) {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn shape(text: &[u8], start: usize, end: usize) -> LineShape {
    let line = &text[start..end];
    let end_col = comment_start(line);
    let line = &line[..end_col];
    let indent = line.iter().take_while(|&&b| is_blank(b)).count();
    let mut dashes = Vec::new();
    let mut c = indent;
    while line.get(c) == Some(&b'-') && line.get(c + 1).is_none_or(|&b| is_blank(b)) {
        dashes.push(c);
        c += 1;
        while line.get(c).is_some_and(|&b| is_blank(b)) {
            c += 1;
        }
    }
    let key = key_colon(line, c).map(|colon| {
        let mut v = colon + 1;
        while line.get(v).is_some_and(|&b| is_blank(b)) {
            v += 1;
        }
        (colon, v)
    });
    LineShape {
        start,
        end: start + end_col,
        indent,
        dashes,
        content: c,
        key,
    }
}

/// Whether a value text opens a block scalar (`|`, `>-`, `|2+`, ...).
fn is_block_scalar(value: &[u8]) -> bool {
    matches!(value.first(), Some(b'|' | b'>'))
        && value[1..]
            .iter()
            .all(|b| matches!(b, b'-' | b'+' | b'0'..=b'9') || is_blank(*b))
}

fn pop_for(stack: &mut Vec<Open>, col: usize, dash: bool) {
    while let Some(top) = stack.last() {
        if top.col < col {
            break;
        }
        // `key:` followed by `- item` at the same column: a compact list under the key.
        if dash && top.col == col && matches!(top.seg, Seg::Key(_)) {
            break;
        }
        stack.pop();
    }
}

fn key_text(text: &[u8], from: usize, to: usize) -> String {
    let s = String::from_utf8_lossy(&text[from..to]);
    s.trim().trim_matches(|c| c == '"' || c == '\'').to_string()
}

/// Analyzes `offset` within the YAML in `region` of `text`. `None` inside comments and block
/// scalars, or outside the region.
pub(crate) fn at(text: &str, region: TextRange, offset: usize) -> Option<YamlCursor> {
    if offset < region.start || offset > region.end {
        return None;
    }
    let bytes = text.as_bytes();
    let mut stack: Vec<Open> = Vec::new();
    // (container path, key column, key) of every block key, for siblings.
    let mut keys: Vec<(Vec<Seg>, usize, String, usize)> = Vec::new();
    let mut block_scalar_over: Option<usize> = None;
    let mut result: Option<YamlCursor> = None;
    let mut pos = region.start;
    while pos <= region.end {
        let line_end = bytes[pos..region.end]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map_or(region.end, |i| pos + i);
        let next = if line_end >= region.end {
            region.end + 1
        } else if bytes[line_end] == b'\r' && bytes.get(line_end + 1) == Some(&b'\n') {
            line_end + 2
        } else {
            line_end + 1
        };
        let l = shape(bytes, pos, line_end);
        let blank = l.indent == line_end - pos || l.start + l.indent >= l.end;
        let cursor_here = offset >= pos && offset <= line_end;
        if let Some(over) = block_scalar_over {
            if blank || l.indent > over {
                if cursor_here {
                    return None;
                }
                pos = next;
                continue;
            }
            block_scalar_over = None;
        }
        if cursor_here {
            if offset > l.end {
                // In a trailing comment.
                return None;
            }
            let col = offset - pos;
            let (indent, dash) = if blank {
                (col, false)
            } else {
                (l.indent, !l.dashes.is_empty())
            };
            let mut st = stack.clone();
            pop_for(&mut st, indent, dash);
            let cursor = cursor_on_line(bytes, &l, col, st, blank)?;
            result = Some(cursor);
            // Keep walking for the siblings below.
        }
        if !blank {
            pop_for(&mut stack, l.indent, !l.dashes.is_empty());
            for &d in &l.dashes {
                stack.push(Open {
                    col: d,
                    seg: Seg::Item(pos + d),
                });
            }
            if let Some((colon, value)) = l.key {
                let key = key_text(bytes, pos + l.content, pos + colon);
                let path: Vec<Seg> = stack.iter().map(|o| o.seg.clone()).collect();
                keys.push((path, l.content, key.clone(), pos));
                let value_text = &bytes[pos + value.min(l.end - pos)..l.end];
                if value_text.is_empty() {
                    stack.push(Open {
                        col: l.content,
                        seg: Seg::Key(key),
                    });
                } else if is_block_scalar(value_text) {
                    block_scalar_over = Some(l.indent);
                }
            }
        }
        pos = next;
    }
    let mut cursor = result?;
    if let Slot::Key { range, .. } = cursor.slot {
        let line_start = line_start_of(bytes, range.start);
        let own = key_text(bytes, range.start, range.end);
        let col = range.start - line_start;
        if cursor.siblings.is_empty() {
            cursor.siblings = keys
                .iter()
                .filter(|(p, c, k, at)| {
                    *p == cursor.path && *c == col && *at != line_start && *k != own
                })
                .map(|(_, _, k, _)| k.clone())
                .collect();
        }
    }
    Some(cursor)
}

fn line_start_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset]
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |i| i + 1)
}

fn is_key_char(b: u8) -> bool {
    !(b.is_ascii_whitespace() || matches!(b, b':' | b',' | b'{' | b'}' | b'[' | b']' | b'#'))
}

/// Extends `[from, to)` over key characters on both sides.
fn token_around(bytes: &[u8], lo: usize, hi: usize, at: usize) -> TextRange {
    let mut s = at;
    while s > lo && is_key_char(bytes[s - 1]) {
        s -= 1;
    }
    let mut e = at;
    while e < hi && is_key_char(bytes[e]) {
        e += 1;
    }
    TextRange::new(s, e)
}

/// The cursor's slot on its own line, given the block containers above it.
fn cursor_on_line(
    bytes: &[u8],
    l: &LineShape,
    col: usize,
    mut stack: Vec<Open>,
    blank: bool,
) -> Option<YamlCursor> {
    let pos = l.start;
    let offset = pos + col;
    let path_of = |st: &[Open]| st.iter().map(|o| o.seg.clone()).collect::<Vec<_>>();
    if blank {
        return Some(YamlCursor {
            path: path_of(&stack),
            slot: Slot::Key {
                range: TextRange::empty(offset),
                bare_item: false,
                has_colon: false,
            },
            siblings: Vec::new(),
        });
    }
    let mut bare_item = false;
    for &d in &l.dashes {
        if d + 1 > col {
            break;
        }
        stack.push(Open {
            col: d,
            seg: Seg::Item(pos + d),
        });
        bare_item = true;
    }
    let content = pos + l.content;
    if offset < content {
        // Between the markers: a new key (or item) right here.
        return Some(YamlCursor {
            path: path_of(&stack),
            slot: Slot::Key {
                range: TextRange::empty(offset),
                bare_item,
                has_colon: false,
            },
            siblings: Vec::new(),
        });
    }
    match l.key {
        Some((colon, value)) if col > colon => {
            let key = key_text(bytes, content, pos + colon);
            let key_range = TextRange::new(content, pos + colon);
            let value_start = pos + value.min(l.end - pos).max(colon + 1);
            let value_start = value_start.min(l.end);
            if matches!(bytes.get(value_start), Some(b'{' | b'[')) && offset > value_start {
                stack.push(Open {
                    col: colon,
                    seg: Seg::Key(key),
                });
                return flow(bytes, value_start, l.end, offset, path_of(&stack));
            }
            let start = if offset < value_start {
                offset
            } else {
                value_start
            };
            let mut end = l.end;
            while end > start && is_blank(bytes[end - 1]) {
                end -= 1;
            }
            Some(YamlCursor {
                path: path_of(&stack),
                slot: Slot::Value {
                    key,
                    key_range,
                    range: TextRange::new(start, end.max(start)),
                    item: false,
                },
                siblings: Vec::new(),
            })
        }
        Some((colon, _)) => Some(YamlCursor {
            path: path_of(&stack),
            slot: Slot::Key {
                range: TextRange::new(content, pos + colon),
                bare_item: false,
                has_colon: true,
            },
            siblings: Vec::new(),
        }),
        None => {
            if matches!(bytes.get(content), Some(b'{' | b'[')) && offset > content {
                return flow(bytes, content, l.end, offset, path_of(&stack));
            }
            let range = token_around(bytes, content, l.end, offset);
            Some(YamlCursor {
                path: path_of(&stack),
                slot: Slot::Key {
                    range,
                    bare_item,
                    has_colon: false,
                },
                siblings: Vec::new(),
            })
        }
    }
}

#[derive(Debug, Clone)]
enum Frame {
    Map {
        key: Option<(String, TextRange)>,
        after_colon: bool,
        keys: Vec<String>,
    },
    Seq {
        at: usize,
    },
}

/// Parses a flow collection starting at `start` (`{` or `[`) up to `offset`.
fn flow(
    bytes: &[u8],
    start: usize,
    end: usize,
    offset: usize,
    base: Vec<Seg>,
) -> Option<YamlCursor> {
    let mut frames: Vec<Frame> = Vec::new();
    let mut path = base;
    let mut token_start = start;
    let mut i = start;
    while i < offset.min(end) {
        let b = bytes[i];
        match b {
            b'{' | b'[' => {
                // Entering a nested collection: the path grows by the key or the item.
                match frames.last() {
                    Some(Frame::Map {
                        key: Some((k, _)),
                        after_colon: true,
                        ..
                    }) => path.push(Seg::Key(k.clone())),
                    Some(Frame::Seq { at }) => path.push(Seg::Item(*at)),
                    _ => {}
                }
                frames.push(if b == b'{' {
                    Frame::Map {
                        key: None,
                        after_colon: false,
                        keys: Vec::new(),
                    }
                } else {
                    Frame::Seq { at: i + 1 }
                });
                token_start = i + 1;
            }
            b'}' | b']' => {
                frames.pop();
                if !frames.is_empty() {
                    path.pop();
                }
                token_start = i + 1;
            }
            b',' => {
                match frames.last_mut() {
                    Some(Frame::Map {
                        key, after_colon, ..
                    }) => {
                        *key = None;
                        *after_colon = false;
                    }
                    Some(Frame::Seq { at }) => *at = i + 1,
                    None => {}
                }
                token_start = i + 1;
            }
            b'"' | b'\'' => {
                let q = b;
                i += 1;
                while i < end && bytes[i] != q {
                    if q == b'"' && bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if i >= offset {
                    break;
                }
            }
            b':' if bytes
                .get(i + 1)
                .is_none_or(|&c| is_blank(c) || matches!(c, b',' | b'}' | b']')) =>
            {
                if let Some(Frame::Map {
                    key,
                    after_colon,
                    keys,
                }) = frames.last_mut()
                {
                    let k = key_text(bytes, token_start, i);
                    let from = token_start
                        + bytes[token_start..i]
                            .iter()
                            .take_while(|&&c| is_blank(c))
                            .count();
                    keys.push(k.clone());
                    *key = Some((k, TextRange::new(from, i)));
                    *after_colon = true;
                }
                token_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let frame = frames.last()?.clone();
    // The token around the cursor, within the current entry.
    let mut s = offset;
    while s > token_start && !matches!(bytes[s - 1], b',' | b'{' | b'[' | b':') {
        s -= 1;
    }
    while s < offset && is_blank(bytes[s]) {
        s += 1;
    }
    let mut e = offset;
    let mut quote: Option<u8> = None;
    if matches!(bytes.get(s), Some(b'"' | b'\'')) {
        quote = Some(bytes[s]);
    }
    while e < end {
        let c = bytes[e];
        if let Some(q) = quote {
            if c == q && e > s {
                e += 1;
                break;
            }
        } else if matches!(c, b',' | b'}' | b']')
            || (c == b':' && bytes.get(e + 1).is_none_or(|&n| is_blank(n)))
        {
            break;
        }
        e += 1;
    }
    while e > s && is_blank(bytes[e - 1]) {
        e -= 1;
    }
    let range = TextRange::new(s, e.max(s));
    match frame {
        Frame::Map {
            key: Some((key, key_range)),
            after_colon: true,
            ..
        } => Some(YamlCursor {
            path,
            slot: Slot::Value {
                key,
                key_range,
                range,
                item: false,
            },
            siblings: Vec::new(),
        }),
        Frame::Map { keys, .. } => {
            let own = key_text(bytes, range.start, range.end);
            // Keys later in the same mapping count as siblings too.
            let mut siblings: Vec<String> = keys.into_iter().filter(|k| *k != own).collect();
            siblings.extend(later_flow_keys(bytes, range.end, end).filter(|k| *k != own));
            let has_colon = bytes.get(range.end) == Some(&b':');
            Some(YamlCursor {
                path,
                slot: Slot::Key {
                    range,
                    bare_item: false,
                    has_colon,
                },
                siblings,
            })
        }
        Frame::Seq { .. } => {
            let (key, key_range) = match path.last() {
                Some(Seg::Key(k)) => (k.clone(), TextRange::empty(start)),
                _ => (String::new(), TextRange::empty(start)),
            };
            if matches!(path.last(), Some(Seg::Key(_))) {
                path.pop();
            }
            Some(YamlCursor {
                path,
                slot: Slot::Value {
                    key,
                    key_range,
                    range,
                    item: true,
                },
                siblings: Vec::new(),
            })
        }
    }
}

/// Keys of the rest of a flow mapping after `from` (same nesting level), until it closes.
fn later_flow_keys(bytes: &[u8], from: usize, end: usize) -> impl Iterator<Item = String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut token_start = from;
    let mut i = from;
    while i < end {
        match bytes[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            b',' if depth == 0 => token_start = i + 1,
            b':' if depth == 0
                && bytes
                    .get(i + 1)
                    .is_none_or(|&c| is_blank(c) || matches!(c, b',' | b'}')) =>
            {
                let k = key_text(bytes, token_start, i);
                if !k.is_empty() {
                    out.push(k);
                }
                token_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(text_with_bar: &str) -> Option<YamlCursor> {
        let offset = text_with_bar.find('|').unwrap();
        let text = text_with_bar.replacen('|', "", 1);
        at(&text, TextRange::new(0, text.len()), offset)
    }

    fn keys(c: &YamlCursor) -> Vec<String> {
        c.schema_path()
    }

    #[test]
    fn nested_block_keys_give_the_path_of_the_mapping() {
        let c = cursor("skills:\n  scan:\n    max_d|\n").unwrap();
        assert_eq!(keys(&c), ["skills", "scan"]);
        assert!(matches!(c.slot, Slot::Key { range, .. } if range == TextRange::new(20, 25)));
    }

    #[test]
    fn a_blank_line_takes_its_container_from_the_cursor_column() {
        let c = cursor("skills:\n  scan:\n    max_depth: 3\n  |\n").unwrap();
        assert_eq!(keys(&c), ["skills"]);
        assert_eq!(c.siblings, ["scan"]);
        let c = cursor("skills:\n  scan:\n    max_depth: 3\n|").unwrap();
        assert_eq!(keys(&c), Vec::<String>::new());
        assert_eq!(c.siblings, ["skills"]);
    }

    #[test]
    fn list_items_are_separate_mappings() {
        let text = "skills:\n  spaces:\n    - id: a\n      namespace: x\n    - id: b\n      |\n";
        let c = cursor(text).unwrap();
        assert_eq!(keys(&c), ["skills", "spaces[]"]);
        assert_eq!(c.siblings, ["id"]);
        let c = cursor("skills:\n  spaces:\n  - id: a\n    sources:\n    - f|\n").unwrap();
        assert_eq!(keys(&c), ["skills", "spaces[]", "sources[]"]);
        assert!(matches!(
            c.slot,
            Slot::Key {
                bare_item: true,
                ..
            }
        ));
    }

    #[test]
    fn values_know_their_key_and_whole_token() {
        let c = cursor("name: ol|d-name  # comment\n").unwrap();
        match c.slot {
            Slot::Value { key, range, .. } => {
                assert_eq!(key, "name");
                assert_eq!(range, TextRange::new(6, 14));
            }
            other => panic!("{other:?}"),
        }
        assert!(cursor("name: x # co|mment\n").is_none());
        assert!(cursor("description: >\n  some: t|ext\nname: x\n").is_none());
    }

    #[test]
    fn flow_collections_on_the_cursor_line() {
        let text =
            "skills:\n  spaces:\n    - {id: main, namespace: \"acme:docs\", sources: [fs, o|]}\n";
        let c = cursor(text).unwrap();
        assert_eq!(keys(&c), ["skills", "spaces[]"]);
        match c.slot {
            Slot::Value {
                key, item, range, ..
            } => {
                assert_eq!((key.as_str(), item), ("sources", true));
                assert_eq!(&text.replacen('|', "", 1)[range.start..range.end], "o");
            }
            other => panic!("{other:?}"),
        }
        let c = cursor("skills:\n  spaces:\n    - {id: main, na|, sources: [fs]}\n").unwrap();
        assert_eq!(keys(&c), ["skills", "spaces[]"]);
        assert!(matches!(c.slot, Slot::Key { .. }));
        assert_eq!(c.siblings, ["id", "sources"]);
    }

    #[test]
    fn crlf_lines_and_multibyte_values() {
        let c = cursor("metadata:\r\n  short-description: é|t\r\n").unwrap();
        assert_eq!(keys(&c), ["metadata"]);
        match c.slot {
            Slot::Value { key, range, .. } => {
                assert_eq!(key, "short-description");
                assert_eq!(range.len(), "ét".len());
            }
            other => panic!("{other:?}"),
        }
    }
}
