//! Source text positions: byte ranges, and their conversion to line/column in the
//! encodings editors and CI formats use (UTF-8 bytes, UTF-16 code units).
//!
//! Only `\n`, `\r\n` and `\r` end a line, as in LSP and in Python's universal newlines.

use serde::Serialize;

/// A half-open byte range `[start, end)` into a file's raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct TextRange {
    pub start: usize,
    pub end: usize,
}

impl TextRange {
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end);
        Self { start, end }
    }
    pub fn empty(at: usize) -> Self {
        Self { start: at, end: at }
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
    pub fn shift(self, by: usize) -> Self {
        Self::new(self.start + by, self.end + by)
    }
    pub fn contains(&self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }
}

/// A position as editors see it: 0-based line, and the column counted both in
/// UTF-8 bytes and in UTF-16 code units (so either LSP encoding can be served).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub utf8: u32,
    pub utf16: u32,
}

/// A range resolved to line/column positions, plus the byte range it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct SourceRange {
    pub start: LineCol,
    pub end: LineCol,
    pub bytes: TextRange,
}

/// Byte offsets of line starts, built once per file in one pass.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &[u8]) -> Self {
        let mut line_starts = vec![0];
        // Every file is indexed once per analysis: jump from break to break.
        let mut breaks = memchr::memchr2_iter(b'\n', b'\r', text);
        while let Some(i) = breaks.next() {
            if text[i] == b'\r' && text.get(i + 1) == Some(&b'\n') {
                // `\r\n` is one break: skip its `\n`.
                breaks.next();
                line_starts.push(i + 2);
            } else {
                line_starts.push(i + 1);
            }
        }
        Self {
            line_starts,
            len: text.len(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte offset where 0-based `line` starts (clamped to the end of the text).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line).copied().unwrap_or(self.len)
    }

    /// The 0-based line containing `offset` (offsets past the end map to the last line).
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Byte range of `line`'s content, without its line break.
    pub fn line_content(&self, text: &[u8], line: usize) -> TextRange {
        let start = self.line_start(line);
        let mut end = self.line_start(line + 1).min(text.len());
        while end > start && matches!(text[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        TextRange::new(start, end)
    }

    pub fn line_col(&self, text: &[u8], offset: usize) -> LineCol {
        let offset = offset.min(text.len());
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let prefix = &text[start..offset];
        LineCol {
            line: line as u32,
            utf8: prefix.len() as u32,
            utf16: utf16_len(prefix) as u32,
        }
    }

    pub fn source_range(&self, text: &[u8], range: TextRange) -> SourceRange {
        SourceRange {
            start: self.line_col(text, range.start),
            end: self.line_col(text, range.end),
            bytes: range,
        }
    }

    /// Byte offset of a (line, UTF-16 column) position, clamped into the text and
    /// onto a character boundary, as LSP asks of out-of-range positions.
    pub fn offset_of_utf16(&self, text: &[u8], line: usize, col: usize) -> usize {
        if line >= self.line_count() {
            return text.len();
        }
        let content = self.line_content(text, line);
        let mut units = 0;
        let s = String::from_utf8_lossy(&text[content.start..content.end]);
        let mut byte = content.start;
        for ch in s.chars() {
            if units >= col {
                break;
            }
            units += ch.len_utf16();
            byte += if ch == char::REPLACEMENT_CHARACTER {
                1
            } else {
                ch.len_utf8()
            };
        }
        byte.min(content.end)
    }
}

/// Number of UTF-16 code units in `bytes`, counting each invalid byte as one unit.
pub fn utf16_len(bytes: &[u8]) -> usize {
    if bytes.is_ascii() {
        return bytes.len();
    }
    let mut n = 0;
    for chunk in bytes.utf8_chunks() {
        n += chunk.valid().chars().map(char::len_utf16).sum::<usize>();
        n += chunk.invalid().len();
    }
    n
}

/// Python's `str.isspace()`: Unicode White_Space plus the ASCII separators U+001C..U+001F.
pub fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()` with no arguments.
pub fn python_strip(s: &str) -> &str {
    s.trim_matches(is_python_space)
}

/// The characters Python's `str.splitlines()` breaks at (`\r\n` is one break).
fn is_python_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\u{0b}'
            | '\u{0c}'
            | '\u{1c}'
            | '\u{1d}'
            | '\u{1e}'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Python's `str.splitlines()` (no line ends kept).
pub fn python_splitlines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !is_python_line_break(c) {
            continue;
        }
        out.push(&text[start..i]);
        let mut next = i + c.len_utf8();
        if c == '\r' && chars.peek().map(|&(_, n)| n) == Some('\n') {
            chars.next();
            next += 1;
        }
        start = next;
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Python's `int(s)` for a decimal literal without surrounding blanks (strip first): an
/// optional sign, then ASCII digits with single `_` between them. `None` where `int()` raises;
/// values beyond `i128` saturate.
pub fn parse_python_int(s: &str) -> Option<i128> {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let bytes = digits.as_bytes();
    let well_formed = bytes.first().is_some_and(u8::is_ascii_digit)
        && bytes.last().is_some_and(u8::is_ascii_digit)
        && bytes.iter().all(|b| b.is_ascii_digit() || *b == b'_')
        && !digits.contains("__");
    if !well_formed {
        return None;
    }
    let mut n: i128 = 0;
    for d in bytes.iter().filter(|b| b.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add(i128::from(d - b'0'));
    }
    Some(if negative { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_handles_all_three_line_breaks() {
        let text = b"a\nb\r\nc\rd";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 4);
        assert_eq!(
            idx.line_col(text, 7),
            LineCol {
                line: 3,
                utf8: 0,
                utf16: 0
            }
        );
        assert_eq!(idx.line_content(text, 1), TextRange::new(2, 3));
    }

    #[test]
    fn utf16_columns_count_surrogate_pairs() {
        let text = "x😀日y".as_bytes();
        let idx = LineIndex::new(text);
        let y = text.len() - 1;
        assert_eq!(
            idx.line_col(text, y),
            LineCol {
                line: 0,
                utf8: 8,
                utf16: 4
            }
        );
        assert_eq!(idx.offset_of_utf16(text, 0, 4), y);
        assert_eq!(idx.offset_of_utf16(text, 0, 99), text.len());
        assert_eq!(idx.offset_of_utf16(text, 9, 0), text.len());
    }

    #[test]
    fn parse_python_int_accepts_what_int_accepts() {
        assert_eq!(parse_python_int("+1_000"), Some(1000));
        assert_eq!(parse_python_int("-0"), Some(0));
        assert_eq!(parse_python_int("9".repeat(60).as_str()), Some(i128::MAX));
        for bad in ["", "-", "_1", "1_", "1__0", "1.0", " 1", "0x1", "١"] {
            assert_eq!(parse_python_int(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn splitlines_matches_python() {
        assert_eq!(
            python_splitlines("a\nb\r\nc\rd\u{0b}e\u{2028}f\n"),
            ["a", "b", "c", "d", "e", "f"]
        );
        assert_eq!(python_splitlines(""), Vec::<&str>::new());
        assert_eq!(python_splitlines("\n\n"), ["", ""]);
    }

    #[test]
    fn python_strip_matches_str_strip() {
        assert_eq!(python_strip("\u{1f} ---\u{a0}\n"), "---");
        assert_eq!(python_strip("\u{feff}---"), "\u{feff}---");
    }
}
