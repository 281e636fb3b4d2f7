//! PyYAML's YAML 1.1 scalar typing (`yaml.resolver.Resolver`) and the checks its
//! `SafeConstructor` makes when building Python values.
//!
//! This is what makes `name: yes` a boolean, `name: 1:30` the integer 90 and `name: 1e3` a
//! string to the reference runtime.

use std::sync::LazyLock;

use regex::Regex;

use super::{LoadProblem, Style, YamlError};
use crate::text::TextRange;

/// The Python type a YAML node becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarKind {
    Str,
    Null,
    Bool,
    Int,
    Float,
    Timestamp,
    Binary,
    /// The merge key `<<`.
    Merge,
    /// `=`: resolves to `tag:yaml.org,2002:value`, which `safe_load` cannot construct.
    Value,
    Seq,
    Map,
    Set,
    /// A tag `SafeConstructor` does not know.
    Unknown,
}

impl ScalarKind {
    /// How the Python value's type reads in a message.
    pub fn python_name(self) -> &'static str {
        match self {
            Self::Str => "a string",
            Self::Null => "null (None)",
            Self::Bool => "a boolean",
            Self::Int => "an integer",
            Self::Float => "a float",
            Self::Timestamp => "a date/timestamp",
            Self::Binary => "binary data",
            Self::Merge => "a merge key",
            Self::Value => "a `=` value marker",
            Self::Seq => "a list",
            Self::Map => "a mapping",
            Self::Set => "a set",
            Self::Unknown => "a value with an unknown tag",
        }
    }
}

const CORE: &str = "tag:yaml.org,2002:";

macro_rules! re {
    ($name:ident, $pat:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| Regex::new($pat).expect("valid regex"));
    };
}

re!(
    BOOL,
    r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"
);
re!(
    FLOAT,
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
);
re!(
    INT,
    r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"
);
re!(NULL, r"^(?:~|null|Null|NULL|)$");
re!(
    TIMESTAMP,
    r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$"
);
re!(
    TIMESTAMP_PARTS,
    r"^([0-9][0-9][0-9][0-9])-([0-9][0-9]?)-([0-9][0-9]?)(?:(?:[Tt]|[ \t]+)([0-9][0-9]?):([0-9][0-9]):([0-9][0-9])(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9][0-9]?)(?::([0-9][0-9]))?))?)?$"
);

/// Implicit type of a plain scalar, trying PyYAML's resolvers in registration order for the
/// scalar's first character.
pub fn resolve_plain(value: &str) -> ScalarKind {
    let first = value.chars().next();
    let candidates: &[ScalarKind] = match first {
        None => &[ScalarKind::Null],
        Some('y' | 'Y' | 'n' | 'N' | 't' | 'T' | 'f' | 'F' | 'o' | 'O') => {
            &[ScalarKind::Bool, ScalarKind::Null]
        }
        Some('-' | '+' | '0'..='9') => &[ScalarKind::Float, ScalarKind::Int, ScalarKind::Timestamp],
        Some('.') => &[ScalarKind::Float],
        Some('<') => &[ScalarKind::Merge],
        Some('~') => &[ScalarKind::Null],
        Some('=') => &[ScalarKind::Value],
        Some(_) => &[],
    };
    for &kind in candidates {
        let hit = match kind {
            ScalarKind::Bool => BOOL.is_match(value),
            ScalarKind::Null => NULL.is_match(value),
            ScalarKind::Float => FLOAT.is_match(value),
            ScalarKind::Int => INT.is_match(value),
            ScalarKind::Timestamp => TIMESTAMP.is_match(value),
            ScalarKind::Merge => value == "<<",
            ScalarKind::Value => value == "=",
            _ => false,
        };
        if hit {
            return kind;
        }
    }
    ScalarKind::Str
}

/// The type PyYAML constructs for a scalar with this style and tag.
pub fn kind_of(value: &str, style: Style, tag: Option<&str>) -> ScalarKind {
    match tag {
        None if style == Style::Plain => resolve_plain(value),
        None | Some("!") => ScalarKind::Str,
        Some(t) => match t.strip_prefix(CORE) {
            Some("str") => ScalarKind::Str,
            Some("null") => ScalarKind::Null,
            Some("bool") => ScalarKind::Bool,
            Some("int") => ScalarKind::Int,
            Some("float") => ScalarKind::Float,
            Some("timestamp") => ScalarKind::Timestamp,
            Some("binary") => ScalarKind::Binary,
            Some("merge") => ScalarKind::Merge,
            Some("value") => ScalarKind::Value,
            _ => ScalarKind::Unknown,
        },
    }
}

/// What `SafeConstructor` does with a scalar: fine, a `YAMLError` (the runtime fails open), or
/// a plain Python exception (the runtime's scan crashes).
pub fn check_construct(
    value: &str,
    style: Style,
    tag: Option<&str>,
    span: TextRange,
) -> Result<(), LoadProblem> {
    let yaml_err = |message: String| {
        Err(LoadProblem::YamlError(YamlError {
            range: span,
            message,
        }))
    };
    let crash = |message: String| {
        Err(LoadProblem::Crash(YamlError {
            range: span,
            message,
        }))
    };
    match kind_of(value, style, tag) {
        ScalarKind::Unknown => yaml_err(format!(
            "could not determine a constructor for the tag '{}'",
            tag.unwrap_or_default()
        )),
        ScalarKind::Value => yaml_err(
            "could not determine a constructor for the tag 'tag:yaml.org,2002:value' (a bare `=`)"
                .into(),
        ),
        ScalarKind::Int => {
            if construct_int(value) {
                Ok(())
            } else {
                crash(format!(
                    "int('{value}') raises ValueError in PyYAML's constructor"
                ))
            }
        }
        ScalarKind::Float => {
            if tag.is_some()
                && !FLOAT.is_match(value)
                && value.replace('_', "").parse::<f64>().is_err()
            {
                crash(format!(
                    "float('{value}') raises ValueError in PyYAML's constructor"
                ))
            } else {
                Ok(())
            }
        }
        ScalarKind::Bool if !BOOL.is_match(value) => crash(format!(
            "'{value}' is not a YAML 1.1 boolean (KeyError in PyYAML's constructor)"
        )),
        ScalarKind::Timestamp => match timestamp_problem(value) {
            None => Ok(()),
            Some(why) => crash(format!(
                "'{value}' looks like a timestamp but {why}: PyYAML raises ValueError"
            )),
        },
        ScalarKind::Binary => {
            let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
            if compact.len() % 4 == 0
                && compact
                    .trim_end_matches('=')
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
            {
                Ok(())
            } else {
                yaml_err("failed to decode base64 data".into())
            }
        }
        _ => Ok(()),
    }
}

/// Mirrors `SafeConstructor.construct_yaml_int`; false where Python's `int()` would raise.
fn construct_int(value: &str) -> bool {
    let v = value.replace('_', "");
    let v = v.strip_prefix(['-', '+']).unwrap_or(&v);
    let digits_ok = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    if v == "0" {
        true
    } else if let Some(b) = v.strip_prefix("0b") {
        digits_ok(b, 2)
    } else if let Some(x) = v.strip_prefix("0x") {
        digits_ok(x, 16)
    } else if v.starts_with('0') {
        digits_ok(v, 8)
    } else if v.contains(':') {
        v.split(':').all(|p| digits_ok(p, 10))
    } else {
        digits_ok(v, 10)
    }
}

fn timestamp_problem(value: &str) -> Option<&'static str> {
    let Some(c) = TIMESTAMP_PARTS.captures(value) else {
        return Some("does not match the timestamp pattern");
    };
    let num = |i: usize| {
        c.get(i)
            .map(|m| m.as_str().parse::<u32>().unwrap_or(u32::MAX))
    };
    let (year, month, day) = (
        num(1).unwrap_or(0),
        num(2).unwrap_or(0),
        num(3).unwrap_or(0),
    );
    if year == 0 {
        return Some("year 0 is out of range");
    }
    if !(1..=12).contains(&month) {
        return Some("the month is out of range");
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month as usize - 1];
    if day == 0 || day > days {
        return Some("the day is out of range for the month");
    }
    if let Some(h) = num(4) {
        if h > 23 || num(5).unwrap_or(0) > 59 || num(6).unwrap_or(0) > 59 {
            return Some("the time of day is out of range");
        }
    }
    if let Some(tzh) = num(10) {
        if tzh > 23 {
            return Some("the UTC offset is out of range");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_typing_matches_pyyaml() {
        for (v, k) in [
            ("yes", ScalarKind::Bool),
            ("y", ScalarKind::Str),
            ("On", ScalarKind::Bool),
            ("123", ScalarKind::Int),
            ("0x1f", ScalarKind::Int),
            ("1:30", ScalarKind::Int),
            ("09", ScalarKind::Str),
            ("1e3", ScalarKind::Str),
            ("1.0e+3", ScalarKind::Float),
            (".inf", ScalarKind::Float),
            ("2024-01-01", ScalarKind::Timestamp),
            ("null", ScalarKind::Null),
            ("", ScalarKind::Null),
            ("=", ScalarKind::Value),
            ("<<", ScalarKind::Merge),
            ("demo-skill", ScalarKind::Str),
        ] {
            assert_eq!(resolve_plain(v), k, "{v:?}");
        }
    }

    #[test]
    fn constructor_failures() {
        let span = TextRange::default();
        assert!(matches!(
            check_construct("2024-13-45", Style::Plain, None, span),
            Err(LoadProblem::Crash(_))
        ));
        assert!(matches!(
            check_construct("0b_", Style::Plain, None, span),
            Err(LoadProblem::Crash(_))
        ));
        assert!(check_construct("2024-02-29", Style::Plain, None, span).is_ok());
        assert!(matches!(
            check_construct("x", Style::Plain, Some("!custom"), span),
            Err(LoadProblem::YamlError(_))
        ));
        assert!(check_construct("123", Style::Plain, Some("tag:yaml.org,2002:str"), span).is_ok());
    }
}
