//! Python's `repr()` of JSON values, as the reference's error messages print them (pydantic's
//! `input_value=...`, `FileNotFoundError` texts).

use serde_json::Value;

/// `repr(value)` of the Python object `json.loads` would build.
pub(crate) fn repr(value: &Value) -> String {
    let mut out = String::new();
    write_repr(value, &mut out);
    out
}

fn write_repr(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => out.push_str(&i.to_string()),
            (None, Some(u), _) => out.push_str(&u.to_string()),
            (_, _, Some(f)) => out.push_str(&float_repr(f)),
            _ => out.push_str(&n.to_string()),
        },
        Value::String(s) => out.push_str(&str_repr(s)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&str_repr(k));
                out.push_str(": ");
                write_repr(v, out);
            }
            out.push('}');
        }
    }
}

/// The Python type name of a JSON value (`type(v).__name__`).
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// `repr(float)`: the shortest round-tripping digits, in exponent form when the decimal exponent
/// is below -4 or at least 16 (`1e+16`, `1e-05`), else positional with at least one decimal.
pub(crate) fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..16).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.unsigned_abs());
    }
    let plain = format!("{f}");
    if plain.contains('.') {
        plain
    } else {
        format!("{plain}.0")
    }
}

/// `repr(str)`: single quotes unless the text has `'` and no `"`; non-printable characters
/// escaped as `\xNN`, `\uNNNN` or `\UNNNNNNNN`.
pub(crate) fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
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
            c if !is_printable(c) => {
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
    out
}

/// Python's `str.isprintable()` for one character: false for control, format, separator
/// (except the space), private-use and noncharacter code points. Unassigned code points, which
/// Python also escapes, are not tracked (that would need the Unicode database).
fn is_printable(c: char) -> bool {
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

/// Python's `str(OSError)` for an error about `path`: `[Errno 2] No such file or directory:
/// '/x'`.
pub(crate) fn os_error_text(e: &std::io::Error, path: &str) -> String {
    match e.raw_os_error() {
        Some(code) => format!("[Errno {code}] {}: {}", strerror(code), str_repr(path)),
        None => e.to_string(),
    }
}

/// The C library's message for an errno value (what Python shows), without Rust's
/// ` (os error N)` suffix.
fn strerror(code: i32) -> String {
    let text = std::io::Error::from_raw_os_error(code).to_string();
    match text.strip_suffix(&format!(" (os error {code})")) {
        Some(msg) => msg.to_owned(),
        None => text,
    }
}

/// How pydantic shows an input in an error: its `repr`, cut to its first 25 and last 24
/// characters around `...` when longer than 50.
pub(crate) fn pydantic_input_repr(value: &Value) -> String {
    let r = repr(value);
    let chars: Vec<char> = r.chars().collect();
    if chars.len() <= 50 {
        return r;
    }
    let head: String = chars[..25].iter().collect();
    let tail: String = chars[chars.len() - 24..].iter().collect();
    format!("{head}...{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn os_errors_read_like_python() {
        let e = std::io::Error::from_raw_os_error(libc::ENOENT);
        assert_eq!(
            os_error_text(&e, "/x'y"),
            "[Errno 2] No such file or directory: \"/x'y\""
        );
    }

    #[test]
    fn floats_print_like_python() {
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(1.2345678901234568e29), "1.2345678901234568e+29");
        assert_eq!(float_repr(1e-5), "1e-05");
        assert_eq!(float_repr(0.0001), "0.0001");
        assert_eq!(float_repr(5.0), "5.0");
        assert_eq!(float_repr(1e15), "1000000000000000.0");
        assert_eq!(float_repr(2.5), "2.5");
        assert_eq!(float_repr(f64::INFINITY), "inf");
    }

    #[test]
    fn strings_pick_quotes_and_escape_like_python() {
        assert_eq!(str_repr("a'b"), "\"a'b\"");
        assert_eq!(str_repr("a'b\""), "'a\\'b\"'");
        assert_eq!(
            str_repr("é\u{7f}\u{9f}\u{a0}\u{2028}😀\t\\"),
            "'é\\x7f\\x9f\\xa0\\u2028😀\\t\\\\'"
        );
    }

    #[test]
    fn containers_and_truncation_match_pydantic() {
        assert_eq!(
            repr(&json!({"a": [1, 2.5, null, true]})),
            "{'a': [1, 2.5, None, True]}"
        );
        // A repr of 50 characters is kept whole; 51 are cut (checked against pydantic 2.14).
        let fifty = json!("y".repeat(48));
        assert_eq!(pydantic_input_repr(&fifty), format!("'{}'", "y".repeat(48)));
        assert_eq!(
            pydantic_input_repr(&json!("y".repeat(49))),
            format!("'{}...{}'", "y".repeat(24), "y".repeat(23))
        );
        let long = json!(["a".repeat(30), "b".repeat(30), "c".repeat(30)]);
        assert_eq!(
            pydantic_input_repr(&long),
            "['aaaaaaaaaaaaaaaaaaaaaaa...cccccccccccccccccccccc']"
        );
    }
}
