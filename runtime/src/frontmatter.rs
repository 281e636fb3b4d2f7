//! Locating the YAML frontmatter of a SKILL.md exactly as the runtime's streaming reader does
//! (`loader.py::_read_frontmatter_only`, spec §1.2): text mode with universal newlines, no BOM
//! handling, `strip() == "---"` delimiters, and a byte cap counted over translated lines,
//! both delimiters included.

use crate::text::{TextRange, python_strip};

/// CPython's `TextIOWrapper` reads and decodes in chunks of this many bytes.
const PY_TEXT_CHUNK: usize = 8192;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frontmatter {
    /// The opening `---` line (content, without its line break).
    pub open: TextRange,
    /// The raw bytes between the delimiters (line breaks included).
    pub yaml: TextRange,
    /// The closing `---` line (content).
    pub close: TextRange,
    /// Where the Markdown body starts.
    pub body_start: usize,
    /// Bytes the runtime counted against `max_frontmatter_bytes`.
    pub counted_bytes: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrontmatterError {
    /// The file is empty.
    Empty,
    /// Line 1 is not `---`; `bom` when it is `---` behind a UTF-8 byte-order mark.
    Missing { first_line: TextRange, bom: bool },
    /// No closing `---`.
    Unterminated { open: TextRange },
    /// The byte cap was exceeded while reading `line`.
    TooLarge {
        line: TextRange,
        counted: usize,
        cap: usize,
    },
}

impl FrontmatterError {
    /// The runtime's `details.reason` for this failure.
    pub fn runtime_reason(&self) -> &'static str {
        match self {
            Self::Empty | Self::Missing { .. } => "frontmatter_missing",
            Self::Unterminated { .. } => "frontmatter_unterminated",
            Self::TooLarge { .. } => "frontmatter_too_large",
        }
    }
}

/// Invalid UTF-8 and whether the runtime's scan would hit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidUtf8 {
    pub offset: usize,
    /// True when the byte lies in the chunks the runtime decodes while reading the
    /// frontmatter: its scan then raises `UnicodeDecodeError` and fails as a whole.
    pub during_scan: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub result: Result<Frontmatter, FrontmatterError>,
    pub invalid_utf8: Option<InvalidUtf8>,
}

/// One physical line: content range and the end including its break.
struct Line {
    content: TextRange,
    end: usize,
    /// Ends in a lone `\r`, which makes a reader peek at the following byte.
    lone_cr: bool,
}

fn next_line(text: &[u8], start: usize) -> Option<Line> {
    if start >= text.len() {
        return None;
    }
    let rel = memchr::memchr2(b'\n', b'\r', &text[start..]);
    Some(match rel {
        None => Line {
            content: TextRange::new(start, text.len()),
            end: text.len(),
            lone_cr: false,
        },
        Some(i) => {
            let at = start + i;
            if text[at] == b'\r' && text.get(at + 1) == Some(&b'\n') {
                Line {
                    content: TextRange::new(start, at),
                    end: at + 2,
                    lone_cr: false,
                }
            } else {
                Line {
                    content: TextRange::new(start, at),
                    end: at + 1,
                    lone_cr: text[at] == b'\r',
                }
            }
        }
    })
}

fn is_delimiter(text: &[u8], line: &Line) -> bool {
    let bytes = &text[line.content.start..line.content.end];
    // Cheap exits first: a delimiter line is short once stripped.
    match std::str::from_utf8(bytes) {
        Ok(s) => python_strip(s) == "---",
        Err(_) => false,
    }
}

/// Translated (universal-newline) UTF-8 length of a line, as `len(line.encode())`.
fn counted_len(line: &Line) -> usize {
    line.content.len() + usize::from(line.end > line.content.end)
}

pub fn split(text: &[u8], max_frontmatter_bytes: usize) -> Split {
    let cap = max_frontmatter_bytes.max(1);
    let mut consumed = 0;
    let result = split_lines(text, cap, &mut consumed);
    // Decoding runs ahead of `readline` by whole chunks.
    let decoded_to = if consumed == 0 {
        0
    } else {
        consumed.div_ceil(PY_TEXT_CHUNK) * PY_TEXT_CHUNK
    };
    let invalid_utf8 = first_invalid_utf8(text).map(|offset| InvalidUtf8 {
        offset,
        during_scan: offset < decoded_to.min(text.len())
            || (offset < text.len() && decoded_to >= text.len()),
    });
    Split {
        result,
        invalid_utf8,
    }
}

fn split_lines(
    text: &[u8],
    cap: usize,
    consumed: &mut usize,
) -> Result<Frontmatter, FrontmatterError> {
    let Some(first) = next_line(text, 0) else {
        return Err(FrontmatterError::Empty);
    };
    let mut note = |l: &Line| *consumed = l.end + usize::from(l.lone_cr);
    note(&first);
    let mut counted = counted_len(&first);
    if counted > cap {
        return Err(FrontmatterError::TooLarge {
            line: first.content,
            counted,
            cap,
        });
    }
    if !is_delimiter(text, &first) {
        let bom = text.starts_with(b"\xEF\xBB\xBF")
            && std::str::from_utf8(&text[3..first.content.end])
                .is_ok_and(|s| python_strip(s) == "---");
        return Err(FrontmatterError::Missing {
            first_line: first.content,
            bom,
        });
    }
    let yaml_start = first.end;
    let mut at = first.end;
    loop {
        let Some(line) = next_line(text, at) else {
            *consumed = text.len();
            return Err(FrontmatterError::Unterminated {
                open: first.content,
            });
        };
        note(&line);
        counted += counted_len(&line);
        if counted > cap {
            return Err(FrontmatterError::TooLarge {
                line: line.content,
                counted,
                cap,
            });
        }
        if is_delimiter(text, &line) {
            return Ok(Frontmatter {
                open: first.content,
                yaml: TextRange::new(yaml_start, line.content.start),
                close: line.content,
                body_start: line.end,
                counted_bytes: counted,
            });
        }
        at = line.end;
    }
}

fn first_invalid_utf8(text: &[u8]) -> Option<usize> {
    match std::str::from_utf8(text) {
        Ok(_) => None,
        Err(e) => Some(e.valid_up_to()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str, cap: usize) -> Frontmatter {
        split(text.as_bytes(), cap).result.unwrap()
    }

    #[test]
    fn delimiters_are_stripped_lines() {
        let fm = ok("  ---  \nname: a\n---\nbody", 100);
        assert_eq!(fm.yaml, TextRange::new(8, 16));
        assert_eq!(fm.body_start, 20);
        assert!(matches!(
            split(b"----\n", 100).result,
            Err(FrontmatterError::Missing { bom: false, .. })
        ));
        assert!(matches!(
            split(b"\xEF\xBB\xBF---\na: 1\n---\n", 100).result,
            Err(FrontmatterError::Missing { bom: true, .. })
        ));
        assert!(matches!(
            split(b"", 100).result,
            Err(FrontmatterError::Empty)
        ));
        assert!(matches!(
            split(b"---\na: 1\n...\n", 100).result,
            Err(FrontmatterError::Unterminated { .. })
        ));
    }

    #[test]
    fn cap_counts_translated_bytes_including_delimiters() {
        let text = "---\r\nname: ab\r\n---\r\n";
        // 4 + 9 + 4 = 17 bytes after CRLF -> LF translation.
        assert_eq!(ok(text, 17).counted_bytes, 17);
        assert!(matches!(
            split(text.as_bytes(), 16).result,
            Err(FrontmatterError::TooLarge { .. })
        ));
        assert!(matches!(
            split(b"-----------\n", 4).result,
            Err(FrontmatterError::TooLarge { .. })
        ));
    }

    #[test]
    fn lone_cr_lines() {
        let fm = ok("---\rname: a\r---\rbody", 100);
        assert_eq!(fm.close, TextRange::new(12, 15));
    }

    #[test]
    fn invalid_utf8_beyond_the_scanned_chunks_does_not_fail_the_scan() {
        let mut text = b"---\nname: ab\ndescription: d\n---\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', 20_000));
        text.push(0xff);
        let s = split(&text, 65536);
        assert!(s.result.is_ok());
        assert!(!s.invalid_utf8.unwrap().during_scan);
        let s = split(b"---\nname: \xff\n---\n", 65536);
        assert!(s.invalid_utf8.unwrap().during_scan);
    }
}
