//! JSON text exactly as the reference's Python `json.dumps` writes it (spec §4.7, §6.1, §3.1).
//!
//! serde_json's writer differs from Python's in three ways that matter for byte-exact output:
//! separators (`", "` / `": "` by default in Python), float formatting (Python writes `repr(f)`:
//! `5.0`, `1e+16`, `1e-07`), and string escapes (Python writes `\u001f`, serde_json `\u001F`).
//! Every JSON text the runtime shares with the reference (WAL lines, tool messages, approval keys)
//! therefore goes through [`py_dumps`].
//!
//! Known limits, all at parse time and outside this module: serde_json reads `-0` as the float
//! `-0.0` (Python: the int `0`), integers beyond 64 bits as floats (Python: exact ints), and
//! rejects `1e400` (Python: `Infinity`).

use serde_json::{Map, Number, Value};

/// The `json.dumps` options the reference uses (always with `ensure_ascii=False`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PyDumps {
    /// `sort_keys=True`: object keys sorted by code point at every depth.
    pub sort_keys: bool,
    /// `separators=(",", ":")` instead of the default `(", ", ": ")`.
    pub compact: bool,
}

/// `json.dumps(value, ensure_ascii=False, sort_keys=..., separators=...)`.
pub fn py_dumps(value: &Value, opts: PyDumps) -> String {
    let mut out = String::new();
    write_value(&mut out, value, opts);
    out
}

/// The approval-key form (spec §4.7):
/// `json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`.
pub fn canonical_json(value: &Value) -> String {
    py_dumps(
        value,
        PyDumps {
            sort_keys: true,
            compact: true,
        },
    )
}

/// `json.dumps(v, ensure_ascii=False)`: default separators, insertion order. The WAL writer and
/// the tool messages sent to the model use it.
pub fn to_python_json(value: &Value) -> String {
    py_dumps(
        value,
        PyDumps {
            sort_keys: false,
            compact: false,
        },
    )
}

fn write_value(out: &mut String, value: &Value, opts: PyDumps) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(if opts.compact { "," } else { ", " });
                }
                write_value(out, item, opts);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(out, map, opts),
    }
}

fn write_object(out: &mut String, map: &Map<String, Value>, opts: PyDumps) {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    if opts.sort_keys {
        // UTF-8 byte order is code point order, which is how Python compares `str` keys.
        entries.sort_by(|a, b| a.0.cmp(b.0));
    }
    out.push('{');
    for (i, (key, item)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push_str(if opts.compact { "," } else { ", " });
        }
        write_string(out, key);
        out.push_str(if opts.compact { ":" } else { ": " });
        write_value(out, item, opts);
    }
    out.push('}');
}

fn write_number(out: &mut String, n: &Number) {
    if let Some(i) = n.as_i64() {
        out.push_str(&i.to_string());
    } else if let Some(u) = n.as_u64() {
        out.push_str(&u.to_string());
    } else if let Some(f) = n.as_f64() {
        out.push_str(&python_float_repr(f));
    }
}

/// Python's `json` string encoder with `ensure_ascii=False`: only `"`, `\` and U+0000–U+001F are
/// escaped, with lowercase hex.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let mut plain_from = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            c if (c as u32) < 0x20 => "",
            _ => continue,
        };
        out.push_str(&s[plain_from..i]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push_str(escape);
        }
        plain_from = i + c.len_utf8();
    }
    out.push_str(&s[plain_from..]);
    out.push('"');
}

/// Python's `repr(float)`: the shortest digits that round-trip, written positionally when the
/// decimal exponent is in `-4 ..= 15` (always with a fractional part, `5.0`), otherwise in
/// scientific form with a signed, at-least-two-digit exponent (`1e+16`, `1.5e-07`).
pub fn python_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    // Rust's `{:e}` gives the same shortest round-trip digits as Python's repr.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    // Position of the decimal point relative to the digit string (Python's `decpt`).
    let decpt = exponent + 1;
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    if decpt <= -4 || decpt > 16 {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        out.push_str(&format!("e{sign}{:02}", exponent.unsigned_abs()));
    } else if decpt <= 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat(decpt.unsigned_abs() as usize));
        out.push_str(&digits);
    } else {
        let point = decpt as usize;
        if point >= digits.len() {
            out.push_str(&digits);
            out.push_str(&"0".repeat(point - digits.len()));
            out.push_str(".0");
        } else {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        }
    }
    out
}

/// Python's `str()` of a decoded JSON value, as the reference's approval summary renders argv
/// items and commands: strings as they are; containers through `repr`.
pub fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}

/// Python's `repr()` of the object `json.loads` would build (`None`, `True`, `'text'`,
/// `[1, 2.5]`, `{'k': 'v'}`), as the reference's messages print values.
pub(crate) fn python_repr(value: &Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, value);
    out
}

fn write_repr(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_str_repr(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str_repr(out, key);
                out.push_str(": ");
                write_repr(out, item);
            }
            out.push('}');
        }
    }
}

/// Python's `repr(str)`: single quotes unless the text has `'` and no `"`; characters Python
/// does not print escaped as `\xhh`, `\uhhhh` or `\Uhhhhhhhh`.
pub(crate) fn python_str_repr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_str_repr(&mut out, s);
    out
}

fn write_str_repr(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !is_python_printable(c) => {
                let n = c as u32;
                if n < 0x100 {
                    out.push_str(&format!("\\x{n:02x}"));
                } else if n < 0x10000 {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

/// Python's `str.isprintable()` for one character (Unicode 14, Python 3.11): false for the
/// categories Cc, Cf, Co, Cs, Zl, Zp, Zs except the space, and for noncharacters. Other
/// unassigned code points (Cn), which Python escapes too, are printed as they are: the table
/// would need ~700 ranges for display-only text.
fn is_python_printable(c: char) -> bool {
    let n = c as u32;
    let non_printable = matches!(n,
        0x00..=0x1f | 0x7f..=0xa0 | 0xad
        | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x890..=0x891 | 0x8e2
        | 0x1680 | 0x180e
        | 0x2000..=0x200f | 0x2028..=0x202f | 0x205f..=0x2064 | 0x2066..=0x206f
        | 0x3000 | 0xd800..=0xf8ff | 0xfeff | 0xfff9..=0xfffb
        | 0x110bd | 0x110cd | 0x13430..=0x1343f | 0x1bca0..=0x1bca3 | 0x1d173..=0x1d17a
        | 0xe0001 | 0xe0020..=0xe007f | 0xf0000..=0x10ffff)
        || (n & 0xfffe) == 0xfffe
        || (0xfdd0..=0xfdef).contains(&n);
    !non_printable
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_sorts_keys_at_every_depth_without_whitespace() {
        let v = json!({"b": {"y": 1, "x": [true, null]}, "a": "é"});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":"é","b":{"x":[true,null],"y":1}}"#
        );
    }

    #[test]
    fn python_json_keeps_insertion_order_and_default_separators() {
        let v = json!({"ok": true, "stdout": "", "data": {"b": [1, 2], "a": {}}, "e": []});
        assert_eq!(
            to_python_json(&v),
            r#"{"ok": true, "stdout": "", "data": {"b": [1, 2], "a": {}}, "e": []}"#
        );
    }

    #[test]
    fn strings_escape_like_python() {
        let v = json!("q\"b\\n\n r\r t\t b\u{8} f\u{c} \u{1} \u{1f} \u{7f} / \u{2028} ü");
        assert_eq!(
            canonical_json(&v),
            "\"q\\\"b\\\\n\\n r\\r t\\t b\\b f\\f \\u0001 \\u001f \u{7f} / \u{2028} ü\""
        );
    }

    #[test]
    fn floats_render_as_python_repr() {
        let cases = [
            (5.0, "5.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1e-7, "1e-07"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1.5e300, "1.5e+300"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (-2.5, "-2.5"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
        ];
        for (f, want) in cases {
            assert_eq!(python_float_repr(f), want, "{f:e}");
        }
    }

    #[test]
    fn integers_keep_integer_form() {
        let v: Value = serde_json::from_str("[5000, -3, 18446744073709551615, 5000.0]").unwrap();
        assert_eq!(canonical_json(&v), "[5000,-3,18446744073709551615,5000.0]");
    }

    #[test]
    fn python_str_renders_like_str_and_repr() {
        assert_eq!(python_str(&json!("a b")), "a b");
        assert_eq!(python_str(&json!(null)), "None");
        assert_eq!(python_str(&json!(true)), "True");
        assert_eq!(python_str(&json!(1.0)), "1.0");
        assert_eq!(
            python_str(&json!(["it's", "x\n", {"k": [1, false]}, "\u{85}é"])),
            r#"["it's", 'x\n', {'k': [1, False]}, '\x85é']"#
        );
    }

    #[test]
    fn python_str_escapes_noncharacters_like_python() {
        // Checked against CPython 3.11: `repr(['\ufdd0\U00013439\U0010fffeé'])`.
        assert_eq!(
            python_str(&json!(["\u{fdd0}\u{13439}\u{10fffe}é"])),
            r"['\ufdd0\U00013439\U0010fffeé']"
        );
    }
}
