//! Client-side text bookkeeping for the LSP tests: positions in either negotiated encoding,
//! a document model that applies incremental edits exactly as LSP defines them (so a test
//! knows the text the server should hold), and `file://` URIs.
//!
//! Lines end at `\n`, `\r\n` or `\r` only, as in LSP.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// The `positionEncoding` a session negotiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// The name used in `general.positionEncodings` and `capabilities.positionEncoding`.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16 => "utf-16",
        }
    }

    fn width(self, ch: char) -> usize {
        match self {
            Encoding::Utf8 => ch.len_utf8(),
            Encoding::Utf16 => ch.len_utf16(),
        }
    }
}

/// A 0-based LSP position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: u32,
    pub character: u32,
}

impl Pos {
    pub fn new(line: u32, character: u32) -> Self {
        Pos { line, character }
    }

    pub fn to_json(self) -> Value {
        json!({"line": self.line, "character": self.character})
    }

    /// Reads `{"line", "character"}`; panics with the value when it is not a position.
    pub fn from_json(v: &Value) -> Self {
        let field = |k: &str| {
            v[k].as_u64()
                .unwrap_or_else(|| panic!("not an LSP position: {v}")) as u32
        };
        Pos::new(field("line"), field("character"))
    }
}

/// An LSP range as JSON.
pub fn range_json(start: Pos, end: Pos) -> Value {
    json!({"start": start.to_json(), "end": end.to_json()})
}

/// Byte offsets where each line starts (line 0 starts at 0).
pub fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => starts.push(i + 1),
            b'\r' => {
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                starts.push(i + 1);
            }
            _ => {}
        }
        i += 1;
    }
    starts
}

/// The byte range of line `line`'s content, without its line break.
fn line_content(text: &str, starts: &[usize], line: usize) -> (usize, usize) {
    let start = starts[line];
    let mut end = starts.get(line + 1).copied().unwrap_or(text.len());
    let bytes = text.as_bytes();
    if end > start && bytes[end - 1] == b'\n' {
        end -= 1;
    }
    if end > start && bytes[end - 1] == b'\r' {
        end -= 1;
    }
    (start, end)
}

/// The position of byte `offset` (a char boundary, at most `text.len()`) in `enc`.
pub fn position_at(text: &str, offset: usize, enc: Encoding) -> Pos {
    assert!(
        offset <= text.len() && text.is_char_boundary(offset),
        "offset {offset} is not a char boundary of a {}-byte text",
        text.len()
    );
    let starts = line_starts(text);
    let line = starts.partition_point(|&s| s <= offset) - 1;
    let column = text[starts[line]..offset]
        .chars()
        .map(|c| enc.width(c))
        .sum::<usize>();
    Pos::new(line as u32, column as u32)
}

/// The byte offset of `pos` in `enc`, clamped as LSP asks: a line past the end means the end
/// of the text, a column past the line's end means the line's end (before its break). A column
/// inside a character is rounded down to that character's start.
pub fn offset_at(text: &str, pos: Pos, enc: Encoding) -> usize {
    let starts = line_starts(text);
    let line = pos.line as usize;
    if line >= starts.len() {
        return text.len();
    }
    let (start, end) = line_content(text, &starts, line);
    let mut units = 0;
    for (i, ch) in text[start..end].char_indices() {
        let w = enc.width(ch);
        if units + w > pos.character as usize {
            return start + i;
        }
        units += w;
    }
    end
}

/// Position of the first occurrence of `needle` in `text`, plus `delta` bytes.
pub fn pos_of(text: &str, needle: &str, delta: usize, enc: Encoding) -> Pos {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not found in the text:\n{text}"));
    position_at(text, at + delta, enc)
}

/// Position of the `nth` (0-based) occurrence of `needle`, plus `delta` bytes.
pub fn pos_of_nth(text: &str, needle: &str, nth: usize, delta: usize, enc: Encoding) -> Pos {
    let at = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("occurrence {nth} of {needle:?} not found in the text"))
        .0;
    position_at(text, at + delta, enc)
}

/// The text of an LSP range in `text`.
pub fn slice<'t>(text: &'t str, range: &Value, enc: Encoding) -> &'t str {
    let s = offset_at(text, Pos::from_json(&range["start"]), enc);
    let e = offset_at(text, Pos::from_json(&range["end"]), enc);
    &text[s..e.max(s)]
}

/// A document as the client holds it: applying a `didChange` content change here gives the
/// text the server must end up with.
#[derive(Debug, Clone)]
pub struct DocModel {
    pub text: String,
    pub version: i64,
    pub encoding: Encoding,
}

impl DocModel {
    pub fn new(text: impl Into<String>, encoding: Encoding) -> Self {
        DocModel {
            text: text.into(),
            version: 1,
            encoding,
        }
    }

    /// Applies one `TextDocumentContentChangeEvent` (with or without `range`).
    pub fn apply(&mut self, change: &Value) {
        let new_text = change["text"].as_str().expect("change has text");
        match change.get("range") {
            None | Some(Value::Null) => self.text = new_text.to_owned(),
            Some(range) => {
                let s = offset_at(&self.text, Pos::from_json(&range["start"]), self.encoding);
                let e = offset_at(&self.text, Pos::from_json(&range["end"]), self.encoding);
                // LSP does not say what an inverted range means; the tests never send one.
                assert!(s <= e, "inverted range in a test edit: {range}");
                self.text.replace_range(s..e, new_text);
            }
        }
    }

    pub fn pos(&self, offset: usize) -> Pos {
        position_at(&self.text, offset, self.encoding)
    }
}

/// `file://` URI of an absolute path, percent-encoding everything but unreserved characters
/// and `/`.
pub fn file_uri(path: &Path) -> String {
    let s = path.to_str().expect("test paths are UTF-8");
    assert!(path.is_absolute(), "not an absolute path: {s}");
    let mut out = String::from("file://");
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The path of a `file://` URI (percent-decoded); `None` for other schemes.
pub fn uri_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(PathBuf::from(String::from_utf8(out).ok()?))
}

/// Whether two URIs name the same file (servers may percent-encode differently).
pub fn same_file(a: &str, b: &str) -> bool {
    match (uri_path(a), uri_path(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_in_both_encodings() {
        let text = "a😀b\r\n日本\rx\n";
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            for (off, _) in text.char_indices().chain([(text.len(), ' ')]) {
                let p = position_at(text, off, enc);
                if text[..off].ends_with('\r') && text[off..].starts_with('\n') {
                    continue; // between \r and \n: not addressable
                }
                assert_eq!(offset_at(text, p, enc), off, "{enc:?} {p:?}");
            }
        }
        assert_eq!(position_at(text, 5, Encoding::Utf16), Pos::new(0, 3));
        assert_eq!(position_at(text, 5, Encoding::Utf8), Pos::new(0, 5));
        assert_eq!(
            position_at(text, text.find('x').unwrap(), Encoding::Utf8),
            Pos::new(2, 0)
        );
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let text = "ab\r\ncd";
        assert_eq!(offset_at(text, Pos::new(0, 99), Encoding::Utf16), 2);
        assert_eq!(offset_at(text, Pos::new(7, 0), Encoding::Utf16), text.len());
        // Inside a surrogate pair: rounded down to the character's start.
        assert_eq!(offset_at("😀x", Pos::new(0, 1), Encoding::Utf16), 0);
    }

    #[test]
    fn uris_round_trip() {
        let p = Path::new("/tmp/a b/ü#x/SKILL.md");
        let uri = file_uri(p);
        assert_eq!(uri, "file:///tmp/a%20b/%C3%BC%23x/SKILL.md");
        assert_eq!(uri_path(&uri).unwrap(), p);
        assert!(same_file("file:///tmp/a%3Ab", "file:///tmp/a:b"));
    }
}
