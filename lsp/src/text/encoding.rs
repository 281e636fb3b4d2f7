//! Position encodings. The client and server agree on one at initialize (`utf-8` when the
//! client offers it, else the mandatory `utf-16`); every position crossing the boundary is
//! converted here, and out-of-range positions are clamped as the specification asks: a line
//! past the end means the end of the text, a column past the end of its line means the end
//! of that line, and a column inside a character means that character's start.

use ropey::Rope;
use skills_runtime::text::{SourceRange, TextRange};
use tower_lsp_server::ls_types::{Position, PositionEncodingKind, Range};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum PositionEncoding {
    Utf8,
    #[default]
    Utf16,
}

impl PositionEncoding {
    /// The server's choice among the encodings the client offers.
    pub(crate) fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Self {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Self::Utf8,
            _ => Self::Utf16,
        }
    }

    pub(crate) fn kind(self) -> PositionEncodingKind {
        match self {
            Self::Utf8 => PositionEncodingKind::UTF8,
            Self::Utf16 => PositionEncodingKind::UTF16,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Utf8 => "utf-8",
            Self::Utf16 => "utf-16",
        }
    }
}

/// Length in chars of the line break ending `line` (0 on the last line).
fn break_chars(line: ropey::RopeSlice) -> usize {
    let n = line.len_chars();
    match (
        n.checked_sub(2).map(|i| line.char(i)),
        n.checked_sub(1).map(|i| line.char(i)),
    ) {
        (Some('\r'), Some('\n')) => 2,
        (_, Some('\n' | '\r')) => 1,
        _ => 0,
    }
}

/// The byte offset of an LSP position, clamped into the text and onto a char boundary.
pub(crate) fn offset_at(rope: &Rope, pos: Position, encoding: PositionEncoding) -> usize {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return rope.len_bytes();
    }
    let slice = rope.line(line);
    let line_char = rope.line_to_char(line);
    let content_chars = slice.len_chars() - break_chars(slice);
    let column = pos.character as usize;
    let char_idx = match encoding {
        PositionEncoding::Utf8 => {
            let line_byte = rope.line_to_byte(line);
            let content_end = rope.char_to_byte(line_char + content_chars);
            // `byte_to_char` floors an offset inside a character to its start.
            rope.byte_to_char(line_byte.saturating_add(column).min(content_end))
        }
        PositionEncoding::Utf16 => {
            let start = rope.char_to_utf16_cu(line_char);
            let end = rope.char_to_utf16_cu(line_char + content_chars);
            // Inside a surrogate pair, `utf16_cu_to_char` gives the pair's character.
            rope.utf16_cu_to_char(start.saturating_add(column).min(end))
        }
    };
    rope.char_to_byte(char_idx)
}

/// The LSP position of a byte offset (clamped into the text, floored to a char boundary).
pub(crate) fn position_at(rope: &Rope, offset: usize, encoding: PositionEncoding) -> Position {
    let char_idx = rope.byte_to_char(offset.min(rope.len_bytes()));
    let line = rope.char_to_line(char_idx);
    let line_char = rope.line_to_char(line);
    let character = match encoding {
        PositionEncoding::Utf8 => rope.char_to_byte(char_idx) - rope.line_to_byte(line),
        PositionEncoding::Utf16 => {
            rope.char_to_utf16_cu(char_idx) - rope.char_to_utf16_cu(line_char)
        }
    };
    Position::new(line as u32, character as u32)
}

/// The LSP range of a byte range of a document.
pub(crate) fn range_of(rope: &Rope, range: TextRange, encoding: PositionEncoding) -> Range {
    Range::new(
        position_at(rope, range.start, encoding),
        position_at(rope, range.end.max(range.start), encoding),
    )
}

/// The LSP range of a range the runtime located (it carries both column encodings).
pub(crate) fn source_range(range: &SourceRange, encoding: PositionEncoding) -> Range {
    let pos = |lc: &skills_runtime::text::LineCol| {
        Position::new(
            lc.line,
            match encoding {
                PositionEncoding::Utf8 => lc.utf8,
                PositionEncoding::Utf16 => lc.utf16,
            },
        )
    };
    Range::new(pos(&range.start), pos(&range.end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use skills_runtime::text::LineIndex;

    const UTF8: PositionEncoding = PositionEncoding::Utf8;
    const UTF16: PositionEncoding = PositionEncoding::Utf16;

    fn pos(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    #[test]
    fn negotiation_prefers_utf8_and_falls_back_to_utf16() {
        let both = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(PositionEncoding::negotiate(Some(&both)), UTF8);
        assert_eq!(
            PositionEncoding::negotiate(Some(&[PositionEncodingKind::UTF32])),
            UTF16
        );
        assert_eq!(PositionEncoding::negotiate(None), UTF16);
    }

    #[test]
    fn utf16_columns_count_surrogate_pairs_and_utf8_columns_count_bytes() {
        let rope = Rope::from_str("a😀b日c\nx");
        // 'b' is at byte 5, UTF-16 column 3.
        assert_eq!(offset_at(&rope, pos(0, 3), UTF16), 5);
        assert_eq!(offset_at(&rope, pos(0, 5), UTF8), 5);
        assert_eq!(position_at(&rope, 5, UTF16), pos(0, 3));
        assert_eq!(position_at(&rope, 5, UTF8), pos(0, 5));
        // 'c' after the CJK character: byte 9, UTF-16 column 5.
        assert_eq!(offset_at(&rope, pos(0, 5), UTF16), 9);
        assert_eq!(position_at(&rope, 9, UTF16), pos(0, 5));
    }

    #[test]
    fn positions_inside_a_character_snap_to_its_start() {
        let rope = Rope::from_str("a😀b");
        assert_eq!(offset_at(&rope, pos(0, 2), UTF16), 1);
        assert_eq!(offset_at(&rope, pos(0, 3), UTF8), 1);
        assert_eq!(position_at(&rope, 3, UTF16), pos(0, 1));
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let rope = Rope::from_str("ab\r\ncd\n");
        // Past the end of a line: before its line break, whichever break it is.
        assert_eq!(offset_at(&rope, pos(0, 99), UTF16), 2);
        assert_eq!(offset_at(&rope, pos(0, 99), UTF8), 2);
        assert_eq!(offset_at(&rope, pos(1, 3), UTF16), 6);
        // Past the last line: the end of the text.
        assert_eq!(offset_at(&rope, pos(2, 0), UTF16), 7);
        assert_eq!(offset_at(&rope, pos(9, 9), UTF16), 7);
        assert_eq!(offset_at(&rope, pos(u32::MAX, u32::MAX), UTF8), 7);
        assert_eq!(offset_at(&rope, pos(1, u32::MAX), UTF8), 6);
        assert_eq!(position_at(&rope, 999, UTF16), pos(2, 0));
    }

    #[test]
    fn only_cr_lf_and_crlf_break_lines() {
        // U+2028 and U+0085 are line breaks for ropey's default features, not for LSP.
        let rope = Rope::from_str("a\u{2028}b\u{85}c\rd\ne");
        assert_eq!(rope.len_lines(), 3);
        assert_eq!(
            offset_at(&rope, pos(1, 0), UTF16),
            "a\u{2028}b\u{85}c\r".len()
        );
        assert_eq!(
            offset_at(&rope, pos(2, 0), UTF16),
            "a\u{2028}b\u{85}c\rd\n".len()
        );
    }

    #[test]
    fn rope_positions_agree_with_the_runtime_line_index() {
        let text = "x😀日\r\n\ry\u{2028}z\n\n日本語😀😀\r";
        let rope = Rope::from_str(text);
        let index = LineIndex::new(text.as_bytes());
        for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
            let sr = index.source_range(text.as_bytes(), TextRange::new(offset, offset));
            for enc in [UTF8, UTF16] {
                let from_rope = position_at(&rope, offset, enc);
                let from_runtime = source_range(&sr, enc).start;
                // Offsets between \r and \n have no position of their own.
                if !(offset > 0
                    && text.as_bytes()[offset - 1] == b'\r'
                    && text[offset..].starts_with('\n'))
                {
                    assert_eq!(from_rope, from_runtime, "offset {offset} {enc:?}");
                    assert_eq!(
                        offset_at(&rope, from_rope, enc),
                        offset,
                        "offset {offset} {enc:?}"
                    );
                }
            }
        }
    }
}
