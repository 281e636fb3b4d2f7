//! Python's `repr()` of JSON values, as the reference's error messages print them (pydantic's
//! `input_value=...`, `FileNotFoundError` texts).

use serde_json::Value;

use crate::agent::json::{python_float_repr, python_repr as repr, python_str_repr as str_repr};

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

/// `repr(float)`: `nan`, `inf`, `-inf` for non-finite values, otherwise the JSON writer's form
/// (`1e+16`, `1e-05`, `5.0`), which is the same.
pub(crate) fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    python_float_repr(f)
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
