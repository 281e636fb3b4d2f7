//! Validation of a tool call's raw arguments (spec §1.5 phase 1): they must parse as a JSON
//! object. When they do not, the reference logs `str(json.JSONDecodeError)` — e.g.
//! `Expecting ',' delimiter: line 1 column 17 (char 16)` — in `tool_call_requested`
//! (`raw_arguments_error`) and in the validation result the model reads. This module reproduces
//! CPython's decoder (`Modules/_json.c`, Python 3.11) closely enough to give the same message
//! and position for every input: which check fails first, and where.

use crate::text::python_strip;

/// The model's raw arguments, checked: `None` if they are a JSON object (or empty, which the
/// reference does not validate), otherwise the reference's error text.
pub(crate) fn arguments_error(raw: &str) -> Option<String> {
    let raw = python_strip(raw);
    if raw.is_empty() {
        return None;
    }
    let chars: Vec<char> = raw.chars().collect();
    match decode(&chars) {
        Ok(true) => None,
        Ok(false) => Some("tool arguments must be a JSON object".into()),
        Err((msg, pos)) => Some(format_error(msg, &chars, pos)),
    }
}

/// `JSONDecodeError.__str__`: `<msg>: line L column C (char P)`, positions in code points.
fn format_error(msg: &str, doc: &[char], pos: usize) -> String {
    if msg == RECURSION {
        return msg.to_string();
    }
    let before = &doc[..pos.min(doc.len())];
    let line = before.iter().filter(|&&c| c == '\n').count() + 1;
    let col = match before.iter().rposition(|&c| c == '\n') {
        Some(nl) => pos - nl,
        None => pos + 1,
    };
    format!("{msg}: line {line} column {col} (char {pos})")
}

type Failure = (&'static str, usize);

/// Nesting at which CPython gives up (its recursion limit; the exact depth depends on the
/// interpreter's stack, 1000 by default).
const MAX_DEPTH: usize = 990;

/// CPython raises `RecursionError` (not a decode error, so upstream the run crashes); we report
/// it as the arguments' validation error instead, without a position.
const RECURSION: &str = "maximum recursion depth exceeded while decoding a JSON document";

/// `json.loads`: `Ok(is_object)` or the error and its position.
fn decode(s: &[char]) -> Result<bool, Failure> {
    if s.first() == Some(&'\u{feff}') {
        return Err(("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0));
    }
    let start = skip_ws(s, 0);
    let mut p = Parser { s, depth: 0 };
    let (end, is_object) = match p.value(start) {
        Ok(v) => v,
        Err(Stop::Iteration(at)) => return Err(("Expecting value", at)),
        Err(Stop::Error(msg, at)) => return Err((msg, at)),
    };
    let end = skip_ws(s, end);
    if end != s.len() {
        return Err(("Extra data", end));
    }
    Ok(is_object)
}

fn skip_ws(s: &[char], mut i: usize) -> usize {
    while i < s.len() && matches!(s[i], ' ' | '\t' | '\n' | '\r') {
        i += 1;
    }
    i
}

/// `StopIteration(idx)` (no value here: "Expecting value" at the top) or a decode error.
enum Stop {
    Iteration(usize),
    Error(&'static str, usize),
}

struct Parser<'a> {
    s: &'a [char],
    depth: usize,
}

impl Parser<'_> {
    fn at(&self, i: usize) -> Option<char> {
        self.s.get(i).copied()
    }

    fn literal(&self, i: usize, word: &str) -> bool {
        let w: Vec<char> = word.chars().collect();
        // CPython checks `idx + len - 1 < length` before comparing, which is the same thing.
        self.s.get(i..i + w.len()) == Some(&w[..])
    }

    /// `scan_once`: the end of the value at `i`, and whether it is an object.
    fn value(&mut self, i: usize) -> Result<(usize, bool), Stop> {
        let Some(c) = self.at(i) else {
            return Err(Stop::Iteration(i));
        };
        match c {
            '"' => return self.string(i + 1).map(|e| (e, false)),
            '{' => return self.nested(|p| p.object(i + 1)).map(|e| (e, true)),
            '[' => return self.nested(|p| p.array(i + 1)).map(|e| (e, false)),
            'n' if self.literal(i, "null") => return Ok((i + 4, false)),
            't' if self.literal(i, "true") => return Ok((i + 4, false)),
            'f' if self.literal(i, "false") => return Ok((i + 5, false)),
            'N' if self.literal(i, "NaN") => return Ok((i + 3, false)),
            'I' if self.literal(i, "Infinity") => return Ok((i + 8, false)),
            '-' if self.literal(i, "-Infinity") => return Ok((i + 9, false)),
            _ => {}
        }
        self.number(i).map(|e| (e, false))
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Result<usize, Stop>) -> Result<usize, Stop> {
        if self.depth >= MAX_DEPTH {
            return Err(Stop::Error(RECURSION, 0));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn object(&mut self, start: usize) -> Result<usize, Stop> {
        let mut i = skip_ws(self.s, start);
        if self.at(i) == Some('}') {
            return Ok(i + 1);
        }
        loop {
            if self.at(i) != Some('"') {
                return Err(Stop::Error(
                    "Expecting property name enclosed in double quotes",
                    i,
                ));
            }
            i = self.string(i + 1)?;
            i = skip_ws(self.s, i);
            if self.at(i) != Some(':') {
                return Err(Stop::Error("Expecting ':' delimiter", i));
            }
            i = skip_ws(self.s, i + 1);
            i = self.value(i)?.0;
            i = skip_ws(self.s, i);
            match self.at(i) {
                Some('}') => return Ok(i + 1),
                Some(',') => i = skip_ws(self.s, i + 1),
                _ => return Err(Stop::Error("Expecting ',' delimiter", i)),
            }
        }
    }

    fn array(&mut self, start: usize) -> Result<usize, Stop> {
        let mut i = skip_ws(self.s, start);
        if self.at(i) == Some(']') {
            return Ok(i + 1);
        }
        loop {
            i = self.value(i)?.0;
            i = skip_ws(self.s, i);
            match self.at(i) {
                Some(']') => return Ok(i + 1),
                Some(',') => i = skip_ws(self.s, i + 1),
                _ => return Err(Stop::Error("Expecting ',' delimiter", i)),
            }
        }
    }

    /// `scanstring` from just after the opening quote; returns the index after the closing one.
    fn string(&self, mut end: usize) -> Result<usize, Stop> {
        let s = self.s;
        let len = s.len();
        let begin = end - 1;
        loop {
            let mut next = end;
            let mut c = '\0';
            while next < len {
                c = s[next];
                if c == '"' || c == '\\' {
                    break;
                }
                if (c as u32) <= 0x1f {
                    return Err(Stop::Error("Invalid control character at", next));
                }
                next += 1;
            }
            if next >= len {
                return Err(Stop::Error("Unterminated string starting at", begin));
            }
            next += 1;
            if c == '"' {
                return Ok(next);
            }
            if next == len {
                return Err(Stop::Error("Unterminated string starting at", begin));
            }
            let e = s[next];
            if e != 'u' {
                end = next + 1;
                if !matches!(e, '"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't') {
                    return Err(Stop::Error("Invalid \\escape", end - 2));
                }
                continue;
            }
            next += 1;
            end = next + 4;
            if end >= len {
                return Err(Stop::Error("Invalid \\uXXXX escape", next - 1));
            }
            let unit = hex4(&s[next..end]).ok_or(Stop::Error("Invalid \\uXXXX escape", end - 5))?;
            next = end;
            if (0xd800..0xdc00).contains(&unit)
                && end + 6 < len
                && s[next] == '\\'
                && s[next + 1] == 'u'
            {
                let lo_start = next + 2;
                end = lo_start + 4;
                hex4(&s[lo_start..end]).ok_or(Stop::Error("Invalid \\uXXXX escape", end - 5))?;
            }
        }
    }

    /// `_match_number_unicode`.
    fn number(&self, start: usize) -> Result<usize, Stop> {
        let s = self.s;
        let len = s.len();
        let digit = |i: usize| s.get(i).is_some_and(char::is_ascii_digit);
        let mut i = start;
        if s[i] == '-' {
            i += 1;
            if i >= len {
                return Err(Stop::Iteration(start));
            }
        }
        match s[i] {
            '1'..='9' => {
                i += 1;
                while digit(i) {
                    i += 1;
                }
            }
            '0' => i += 1,
            _ => return Err(Stop::Iteration(start)),
        }
        if i + 1 < len && s[i] == '.' && digit(i + 1) {
            i += 2;
            while digit(i) {
                i += 1;
            }
        }
        if i + 1 < len && matches!(s[i], 'e' | 'E') {
            let e_start = i;
            i += 1;
            if i + 1 < len && matches!(s[i], '-' | '+') {
                i += 1;
            }
            while digit(i) {
                i += 1;
            }
            if !digit(i - 1) {
                i = e_start;
            }
        }
        Ok(i)
    }
}

fn hex4(cs: &[char]) -> Option<u32> {
    cs.iter()
        .try_fold(0u32, |acc, c| c.to_digit(16).map(|d| acc * 16 + d))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages produced by CPython 3.11's `json.loads` on the same inputs (after `.strip()`).
    #[test]
    fn errors_match_cpython() {
        let cases: &[(&str, Option<&str>)] = &[
            (r#"{"path": "a.txt"}"#, None),
            ("  ", None),
            (
                r#"{"path": "a.txt""#,
                Some("Expecting ',' delimiter: line 1 column 17 (char 16)"),
            ),
            ("[1, 2]", Some("tool arguments must be a JSON object")),
            ("\"x\"", Some("tool arguments must be a JSON object")),
            (
                "{",
                Some("Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
            ),
            (
                "{\"a\" 1}",
                Some("Expecting ':' delimiter: line 1 column 6 (char 5)"),
            ),
            (
                "{\"a\": }",
                Some("Expecting value: line 1 column 7 (char 6)"),
            ),
            (
                "{\"a\": 1,}",
                Some("Expecting property name enclosed in double quotes: line 1 column 9 (char 8)"),
            ),
            (
                "{\"a\": [1,]}",
                Some("Expecting value: line 1 column 10 (char 9)"),
            ),
            ("{} x", Some("Extra data: line 1 column 4 (char 3)")),
            ("nope", Some("Expecting value: line 1 column 1 (char 0)")),
            (
                "{\"a\": \"b",
                Some("Unterminated string starting at: line 1 column 7 (char 6)"),
            ),
            (
                "{\"a\": \"\\q\"}",
                Some("Invalid \\escape: line 1 column 8 (char 7)"),
            ),
            (
                "{\"a\": \"\\u12\"}",
                Some("Invalid \\uXXXX escape: line 1 column 9 (char 8)"),
            ),
            (
                "{\"a\": \"\\ud83d\\uzz00\"}",
                Some("Invalid \\uXXXX escape: line 1 column 15 (char 14)"),
            ),
            (
                "{\"a\":\"\\u1234",
                Some("Invalid \\uXXXX escape: line 1 column 8 (char 7)"),
            ),
            (
                "{\"a\": 1e5",
                Some("Expecting ',' delimiter: line 1 column 10 (char 9)"),
            ),
            ("-", Some("Expecting value: line 1 column 1 (char 0)")),
            (
                "{\"a\": \"\u{1}\"}",
                Some("Invalid control character at: line 1 column 8 (char 7)"),
            ),
            (
                "{\n\"a\":\n01}",
                Some("Expecting ',' delimiter: line 3 column 2 (char 8)"),
            ),
            (
                "{\"é\": -}",
                Some("Expecting value: line 1 column 7 (char 6)"),
            ),
            (
                "{\"a\": NaN, \"b\": -Infinity, \"c\": 1.5e+3, \"d\": 1e}",
                Some("Expecting ',' delimiter: line 1 column 47 (char 46)"),
            ),
            (
                "{\"a\": 1.}",
                Some("Expecting ',' delimiter: line 1 column 8 (char 7)"),
            ),
            (
                "\u{feff}{}",
                Some("Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"),
            ),
            (
                "{\"a\": \"\\ud83d\\ude00\", \"b\": [true, false, null]}",
                None,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(arguments_error(input).as_deref(), *want, "{input:?}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{{\"a\": {}{}}}", "[".repeat(5000), "]".repeat(5000));
        assert!(arguments_error(&deep).unwrap().contains("recursion"));
    }
}
