//! An open document: the client's text in a rope (edits cost O(log n)), its version, and a
//! contiguous copy made on first use after each edit for the analyses and features.

use std::sync::{Arc, OnceLock};

use ropey::Rope;
use tower_lsp_server::ls_types::TextDocumentContentChangeEvent;

use super::encoding::{PositionEncoding, offset_at};

#[derive(Debug)]
pub(crate) struct TextDocument {
    rope: Rope,
    version: i32,
    text: OnceLock<Arc<str>>,
}

impl TextDocument {
    pub(crate) fn new(text: &str, version: i32) -> Self {
        Self {
            rope: Rope::from_str(text),
            version,
            text: OnceLock::new(),
        }
    }

    pub(crate) fn version(&self) -> i32 {
        self.version
    }

    pub(crate) fn rope(&self) -> &Rope {
        &self.rope
    }

    /// The whole text (shared; copied out of the rope once per version).
    pub(crate) fn text(&self) -> Arc<str> {
        self.text
            .get_or_init(|| Arc::from(self.rope.to_string()))
            .clone()
    }

    /// Applies a `didChange`'s content changes in order (each range is relative to the text
    /// the previous change produced) and takes the new version.
    pub(crate) fn apply_changes(
        &mut self,
        changes: Vec<TextDocumentContentChangeEvent>,
        version: i32,
        encoding: PositionEncoding,
    ) {
        for change in changes {
            match change.range {
                None => self.rope = Rope::from_str(&change.text),
                Some(range) => {
                    let start = offset_at(&self.rope, range.start, encoding);
                    let end = offset_at(&self.rope, range.end, encoding);
                    // A reversed range is read as the span between its two ends.
                    let (start, end) = (start.min(end), start.max(end));
                    let start_char = self.rope.byte_to_char(start);
                    let end_char = self.rope.byte_to_char(end);
                    self.rope.remove(start_char..end_char);
                    self.rope.insert(start_char, &change.text);
                }
            }
        }
        self.version = version;
        self.text = OnceLock::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::{Position, Range};

    fn edit(start: (u32, u32), end: (u32, u32), text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(
                Position::new(start.0, start.1),
                Position::new(end.0, end.1),
            )),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn incremental_edits_apply_in_order() {
        let mut doc = TextDocument::new("hello\nworld\n", 1);
        doc.apply_changes(
            vec![
                edit((0, 0), (0, 5), "goodbye"),
                edit((1, 0), (1, 0), "big "),
                edit((2, 0), (2, 0), "$[acme:docs].x"),
            ],
            2,
            PositionEncoding::Utf16,
        );
        assert_eq!(&*doc.text(), "goodbye\nbig world\n$[acme:docs].x");
        assert_eq!(doc.version(), 2);
    }

    #[test]
    fn edits_use_the_negotiated_encoding() {
        let mut utf16 = TextDocument::new("😀x\r\n日y", 1);
        utf16.apply_changes(vec![edit((0, 2), (0, 3), "z")], 2, PositionEncoding::Utf16);
        utf16.apply_changes(vec![edit((1, 1), (1, 2), "w")], 3, PositionEncoding::Utf16);
        assert_eq!(&*utf16.text(), "😀z\r\n日w");
        let mut utf8 = TextDocument::new("😀x\r\n日y", 1);
        utf8.apply_changes(vec![edit((0, 4), (0, 5), "z")], 2, PositionEncoding::Utf8);
        utf8.apply_changes(vec![edit((1, 3), (1, 4), "w")], 3, PositionEncoding::Utf8);
        assert_eq!(&*utf8.text(), "😀z\r\n日w");
    }

    #[test]
    fn out_of_range_and_reversed_edits_are_clamped_not_fatal() {
        let mut doc = TextDocument::new("ab\ncd", 1);
        doc.apply_changes(
            vec![
                edit((0, 99), (0, 99), "!"),
                edit((7, 0), (9, 9), "?"),
                edit((1, 2), (1, 0), "X"),
                edit((u32::MAX, u32::MAX), (0, 1), ""),
            ],
            2,
            PositionEncoding::Utf16,
        );
        assert_eq!(&*doc.text(), "a");
    }

    #[test]
    fn a_full_change_replaces_the_text() {
        let mut doc = TextDocument::new("old", 1);
        doc.apply_changes(
            vec![TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "new\r\ntext".into(),
            }],
            5,
            PositionEncoding::Utf8,
        );
        assert_eq!(&*doc.text(), "new\r\ntext");
        assert_eq!(doc.rope().len_lines(), 2);
    }

    #[test]
    fn random_edits_match_the_same_edits_on_a_string() {
        let alphabet = ["a", "😀", "日", "\r\n", "\n", "\r", "$[", "].", " "];
        let mut rng = fastrand::Rng::with_seed(3);
        for encoding in [PositionEncoding::Utf8, PositionEncoding::Utf16] {
            let mut doc = TextDocument::new("", 0);
            let mut model = String::new();
            for version in 1..400 {
                let line_count = doc.rope().len_lines() as u32;
                let p = |rng: &mut fastrand::Rng| {
                    Position::new(rng.u32(0..line_count + 2), rng.u32(0..12))
                };
                let (a, b) = (p(&mut rng), p(&mut rng));
                let insert: String = (0..rng.usize(0..4))
                    .map(|_| alphabet[rng.usize(..alphabet.len())])
                    .collect();
                // The model: the same clamping, on the plain string.
                let ia = model_offset(&model, a, encoding);
                let ib = model_offset(&model, b, encoding);
                let (s, e) = (ia.min(ib), ia.max(ib));
                model.replace_range(s..e, &insert);
                doc.apply_changes(
                    vec![TextDocumentContentChangeEvent {
                        range: Some(Range::new(a, b)),
                        range_length: None,
                        text: insert,
                    }],
                    version,
                    encoding,
                );
                assert_eq!(&*doc.text(), model, "{encoding:?} version {version}");
            }
        }
    }

    /// Position → byte offset on a `String`, written independently of the rope code.
    fn model_offset(text: &str, pos: Position, encoding: PositionEncoding) -> usize {
        let mut line_starts = vec![0];
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            if matches!(bytes[i], b'\n' | b'\r') {
                line_starts.push(i + 1);
            }
            i += 1;
        }
        let Some(&start) = line_starts.get(pos.line as usize) else {
            return text.len();
        };
        let mut end = line_starts
            .get(pos.line as usize + 1)
            .copied()
            .unwrap_or(text.len());
        while end > start && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        let mut units = 0usize;
        for (i, c) in text[start..end].char_indices() {
            let width = match encoding {
                PositionEncoding::Utf8 => c.len_utf8(),
                PositionEncoding::Utf16 => c.len_utf16(),
            };
            if units + width > pos.character as usize {
                return start + i;
            }
            units += width;
        }
        end
    }
}
