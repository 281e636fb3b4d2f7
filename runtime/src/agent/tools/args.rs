//! Tool-argument checking the way the reference's pydantic models (v2, lax mode, `extra=forbid`)
//! check them: the same coercions (`"5"` → 5 for integers, `"yes"` → true for booleans, ...)
//! and the same error text, because that text is what the model reads in a `validation` result.
//!
//! A model is declared as static data ([`Model`], [`Field`], [`Ty`]); [`validate`] returns the
//! arguments with coerced values (only the keys that were given, under their field names) or the
//! full `ValidationError` message.

use serde_json::{Map, Value};

use super::python_repr::{pydantic_input_repr, type_name};
use crate::text::{parse_python_int, python_strip};

/// The pydantic version whose documentation links the messages carry.
const PYDANTIC_DOCS: &str = "https://errors.pydantic.dev/2.14/v/";

pub(crate) struct Model {
    /// The pydantic class name, shown in the message header.
    pub name: &'static str,
    pub fields: &'static [Field],
}

pub(crate) struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    /// `Optional[...]`: `null` is accepted (and then means "not given").
    pub nullable: bool,
    /// Other accepted input keys (`AliasChoices`), tried after `name`.
    pub aliases: &'static [&'static str],
}

impl Field {
    pub const fn required(name: &'static str, ty: Ty) -> Self {
        Field {
            name,
            ty,
            required: true,
            nullable: false,
            aliases: &[],
        }
    }
    /// A field with a default (not `Optional`): `null` is a type error.
    pub const fn defaulted(name: &'static str, ty: Ty) -> Self {
        Field {
            name,
            ty,
            required: false,
            nullable: false,
            aliases: &[],
        }
    }
    /// `Optional[...] = None`.
    pub const fn optional(name: &'static str, ty: Ty) -> Self {
        Field {
            name,
            ty,
            required: false,
            nullable: true,
            aliases: &[],
        }
    }
}

pub(crate) enum Ty {
    Str {
        min_len: usize,
    },
    Int {
        ge: Option<i64>,
    },
    Bool,
    List {
        item: &'static Ty,
        min_len: usize,
    },
    /// `dict[str, str]`.
    StrMap,
    /// `Dict[str, Any]`.
    AnyDict,
    Literal(&'static [&'static str]),
    Model(&'static Model),
}

pub(crate) const STR: Ty = Ty::Str { min_len: 0 };
pub(crate) const NON_EMPTY_STR: Ty = Ty::Str { min_len: 1 };
pub(crate) const POSITIVE_INT: Ty = Ty::Int { ge: Some(1) };
pub(crate) const STR_LIST: Ty = Ty::List {
    item: &STR,
    min_len: 0,
};
pub(crate) const NON_EMPTY_STR_LIST: Ty = Ty::List {
    item: &STR,
    min_len: 1,
};

/// One line item of a pydantic `ValidationError`.
struct Issue {
    loc: Vec<String>,
    kind: &'static str,
    message: String,
    input: Value,
}

/// Checks `args` against `model`. `Ok`: the given fields, coerced, keyed by field name (`null`s
/// of optional fields dropped). `Err`: the `str(ValidationError)` text.
pub(crate) fn validate(
    model: &Model,
    args: &Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    let mut issues = Vec::new();
    let out = validate_model(model, args, &mut Vec::new(), &mut issues);
    if issues.is_empty() {
        Ok(out)
    } else {
        Err(render(model.name, &issues))
    }
}

fn validate_model(
    model: &Model,
    args: &Map<String, Value>,
    loc: &mut Vec<String>,
    issues: &mut Vec<Issue>,
) -> Map<String, Value> {
    let mut out = Map::new();
    let mut used: Vec<&str> = Vec::new();
    for field in model.fields {
        let found = std::iter::once(field.name)
            .chain(field.aliases.iter().copied())
            .find(|k| args.contains_key(*k));
        let Some(key) = found else {
            if field.required {
                loc.push(field.name.to_owned());
                issues.push(Issue {
                    loc: loc.clone(),
                    kind: "missing",
                    message: "Field required".into(),
                    input: Value::Object(args.clone()),
                });
                loc.pop();
            }
            continue;
        };
        used.push(key);
        let value = &args[key];
        if value.is_null() && field.nullable {
            continue;
        }
        loc.push(key.to_owned());
        if let Some(v) = check(&field.ty, value, loc, issues) {
            out.insert(field.name.to_owned(), v);
        }
        loc.pop();
    }
    for (key, value) in args {
        if !used.contains(&key.as_str()) {
            loc.push(key.clone());
            issues.push(Issue {
                loc: loc.clone(),
                kind: "extra_forbidden",
                message: "Extra inputs are not permitted".into(),
                input: value.clone(),
            });
            loc.pop();
        }
    }
    out
}

/// Validates one value; `None` when an issue was recorded.
fn check(ty: &Ty, value: &Value, loc: &mut Vec<String>, issues: &mut Vec<Issue>) -> Option<Value> {
    let fail = |issues: &mut Vec<Issue>, loc: &[String], kind: &'static str, message: String| {
        issues.push(Issue {
            loc: loc.to_vec(),
            kind,
            message,
            input: value.clone(),
        });
        None
    };
    match ty {
        Ty::Str { min_len } => match value {
            Value::String(s) if s.chars().count() < *min_len => fail(
                issues,
                loc,
                "string_too_short",
                format!(
                    "String should have at least {min_len} character{}",
                    plural(*min_len)
                ),
            ),
            Value::String(_) => Some(value.clone()),
            _ => fail(
                issues,
                loc,
                "string_type",
                "Input should be a valid string".into(),
            ),
        },
        Ty::Int { ge } => match coerce_int(value) {
            Ok(n) => match ge {
                Some(min) if n < *min => fail(
                    issues,
                    loc,
                    "greater_than_equal",
                    format!("Input should be greater than or equal to {min}"),
                ),
                _ => Some(Value::from(n)),
            },
            Err((kind, message)) => fail(issues, loc, kind, message.into()),
        },
        Ty::Bool => match coerce_bool(value) {
            Ok(b) => Some(Value::Bool(b)),
            Err((kind, message)) => fail(issues, loc, kind, message.into()),
        },
        Ty::List { item, min_len } => {
            let Value::Array(items) = value else {
                return fail(
                    issues,
                    loc,
                    "list_type",
                    "Input should be a valid list".into(),
                );
            };
            let before = issues.len();
            let mut out = Vec::with_capacity(items.len());
            for (i, v) in items.iter().enumerate() {
                loc.push(i.to_string());
                if let Some(v) = check(item, v, loc, issues) {
                    out.push(v);
                }
                loc.pop();
            }
            if issues.len() > before {
                return None;
            }
            if items.len() < *min_len {
                issues.push(Issue {
                    loc: loc.clone(),
                    kind: "too_short",
                    message: format!(
                        "List should have at least {min_len} item{} after validation, not {}",
                        plural(*min_len),
                        items.len()
                    ),
                    input: value.clone(),
                });
                return None;
            }
            Some(Value::Array(out))
        }
        Ty::StrMap => {
            let Value::Object(map) = value else {
                return fail(
                    issues,
                    loc,
                    "dict_type",
                    "Input should be a valid dictionary".into(),
                );
            };
            let before = issues.len();
            for (k, v) in map {
                if !v.is_string() {
                    loc.push(k.clone());
                    issues.push(Issue {
                        loc: loc.clone(),
                        kind: "string_type",
                        message: "Input should be a valid string".into(),
                        input: v.clone(),
                    });
                    loc.pop();
                }
            }
            (issues.len() == before).then(|| value.clone())
        }
        Ty::AnyDict => match value {
            Value::Object(_) => Some(value.clone()),
            _ => fail(
                issues,
                loc,
                "dict_type",
                "Input should be a valid dictionary".into(),
            ),
        },
        Ty::Literal(choices) => match value {
            Value::String(s) if choices.contains(&s.as_str()) => Some(value.clone()),
            _ => fail(
                issues,
                loc,
                "literal_error",
                format!("Input should be {}", literal_list(choices)),
            ),
        },
        Ty::Model(model) => match value {
            Value::Object(map) => {
                let before = issues.len();
                let out = validate_model(model, map, loc, issues);
                (issues.len() == before).then_some(Value::Object(out))
            }
            _ => fail(
                issues,
                loc,
                "model_type",
                format!(
                    "Input should be a valid dictionary or instance of {}",
                    model.name
                ),
            ),
        },
    }
}

type Failure = (&'static str, &'static str);

const INT_TYPE: Failure = ("int_type", "Input should be a valid integer");
const INT_PARSING: Failure = (
    "int_parsing",
    "Input should be a valid integer, unable to parse string as an integer",
);
const INT_SIZE: Failure = (
    "int_parsing_size",
    "Unable to parse input string as an integer, exceeded maximum size",
);

/// Lax integer coercion: integers, booleans, integral finite floats, and strings holding a
/// Python integer literal (surrounding whitespace, `_` separators, a `.0…` tail allowed).
fn coerce_int(value: &Value) -> Result<i64, Failure> {
    match value {
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                return Ok(i);
            }
            if n.as_u64().is_some() {
                return Err(INT_SIZE);
            }
            let f = n.as_f64().unwrap_or(f64::NAN);
            if !f.is_finite() {
                Err(("finite_number", "Input should be a finite number"))
            } else if f.fract() != 0.0 {
                Err((
                    "int_from_float",
                    "Input should be a valid integer, got a number with a fractional part",
                ))
            } else if f.abs() >= 9.223_372_036_854_776e18 {
                Err(INT_SIZE)
            } else {
                Ok(f as i64)
            }
        }
        Value::String(s) => parse_int_str(s),
        _ => Err(INT_TYPE),
    }
}

fn parse_int_str(s: &str) -> Result<i64, Failure> {
    let s = python_strip(s);
    let s = match s.split_once('.') {
        Some((int, frac)) if frac.chars().all(|c| c == '0') => int,
        Some(_) => return Err(INT_PARSING),
        None => s,
    };
    let n = parse_python_int(s).ok_or(INT_PARSING)?;
    i64::try_from(n).map_err(|_| INT_SIZE)
}

/// Lax boolean coercion: booleans, 0/1 (int or float) and the usual words.
fn coerce_bool(value: &Value) -> Result<bool, Failure> {
    const PARSING: Failure = (
        "bool_parsing",
        "Input should be a valid boolean, unable to interpret input",
    );
    const TYPE: Failure = ("bool_type", "Input should be a valid boolean");
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(0), _) => Ok(false),
            (Some(1), _) => Ok(true),
            (Some(_), _) => Err(PARSING),
            (None, Some(0.0)) => Ok(false),
            (None, Some(1.0)) => Ok(true),
            _ => Err(TYPE),
        },
        Value::String(s) => match python_strip(s).to_ascii_lowercase().as_str() {
            "0" | "off" | "f" | "false" | "n" | "no" => Ok(false),
            "1" | "on" | "t" | "true" | "y" | "yes" => Ok(true),
            _ => Err(PARSING),
        },
        _ => Err(TYPE),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'`.
fn literal_list(choices: &[&str]) -> String {
    let quoted: Vec<String> = choices.iter().map(|c| format!("'{c}'")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

fn render(model: &str, issues: &[Issue]) -> String {
    let n = issues.len();
    let mut out = format!(
        "{n} validation error{} for {model}",
        if n == 1 { "" } else { "s" }
    );
    for issue in issues {
        out.push('\n');
        out.push_str(&issue.loc.join("."));
        out.push_str(&format!(
            "\n  {} [type={}, input_value={}, input_type={}]\n    For further information visit {PYDANTIC_DOCS}{}",
            issue.message,
            issue.kind,
            pydantic_input_repr(&issue.input),
            type_name(&issue.input),
            issue.kind
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::plan::UPDATE_PLAN_ARGS as PLAN;
    use super::super::shell::SHELL_EXEC_ARGS as EXEC;
    use super::*;
    use serde_json::json;

    fn err(model: &Model, args: Value) -> String {
        validate(model, args.as_object().unwrap()).unwrap_err()
    }

    // Expected texts below were produced by the reference (pydantic 2.14).
    #[test]
    fn missing_and_extra_fields_report_like_pydantic() {
        assert_eq!(
            err(&EXEC, json!({"zz": 1, "argv": []})),
            "2 validation errors for _ShellExecArgs\nargv\n  List should have at least 1 item after validation, not 0 [type=too_short, input_value=[], input_type=list]\n    For further information visit https://errors.pydantic.dev/2.14/v/too_short\nzz\n  Extra inputs are not permitted [type=extra_forbidden, input_value=1, input_type=int]\n    For further information visit https://errors.pydantic.dev/2.14/v/extra_forbidden"
        );
        assert_eq!(
            err(&EXEC, json!({})),
            "1 validation error for _ShellExecArgs\nargv\n  Field required [type=missing, input_value={}, input_type=dict]\n    For further information visit https://errors.pydantic.dev/2.14/v/missing"
        );
    }

    #[test]
    fn nested_locations_and_literals_report_like_pydantic() {
        assert_eq!(
            err(&PLAN, json!({"plan": [{"step": "", "status": "x"}, 5]})),
            "3 validation errors for _UpdatePlanArgs\nplan.0.step\n  String should have at least 1 character [type=string_too_short, input_value='', input_type=str]\n    For further information visit https://errors.pydantic.dev/2.14/v/string_too_short\nplan.0.status\n  Input should be 'pending', 'in_progress' or 'completed' [type=literal_error, input_value='x', input_type=str]\n    For further information visit https://errors.pydantic.dev/2.14/v/literal_error\nplan.1\n  Input should be a valid dictionary or instance of _PlanStep [type=model_type, input_value=5, input_type=int]\n    For further information visit https://errors.pydantic.dev/2.14/v/model_type"
        );
        assert_eq!(
            err(&EXEC, json!({"argv": "ls", "env": {"A": 1}})),
            "2 validation errors for _ShellExecArgs\nargv\n  Input should be a valid list [type=list_type, input_value='ls', input_type=str]\n    For further information visit https://errors.pydantic.dev/2.14/v/list_type\nenv.A\n  Input should be a valid string [type=string_type, input_value=1, input_type=int]\n    For further information visit https://errors.pydantic.dev/2.14/v/string_type"
        );
    }

    #[test]
    fn lax_coercions_match_pydantic() {
        let ok = |args: Value| validate(&EXEC, args.as_object().unwrap()).unwrap();
        let v = ok(json!({"argv": ["x"], "timeout_ms": " 7 ", "tty": 1}));
        assert_eq!(v["timeout_ms"], json!(7));
        assert_eq!(v["tty"], json!(true));
        assert_eq!(
            ok(json!({"argv": ["x"], "timeout_ms": "1_000"}))["timeout_ms"],
            json!(1000)
        );
        assert_eq!(
            ok(json!({"argv": ["x"], "timeout_ms": "1.0"}))["timeout_ms"],
            json!(1)
        );
        assert_eq!(
            ok(json!({"argv": ["x"], "timeout_ms": 1e16}))["timeout_ms"],
            json!(10_000_000_000_000_000i64)
        );
        assert_eq!(
            ok(json!({"argv": ["x"], "tty": "OFF"}))["tty"],
            json!(false)
        );
        assert_eq!(ok(json!({"argv": ["x"], "tty": 0.0}))["tty"], json!(false));
        assert!(!ok(json!({"argv": ["x"], "timeout_ms": null})).contains_key("timeout_ms"));
        assert_eq!(
            err(&EXEC, json!({"argv": ["x"], "timeout_ms": " -0 "})),
            "1 validation error for _ShellExecArgs\ntimeout_ms\n  Input should be greater than or equal to 1 [type=greater_than_equal, input_value=' -0 ', input_type=str]\n    For further information visit https://errors.pydantic.dev/2.14/v/greater_than_equal"
        );
        assert_eq!(
            err(&EXEC, json!({"argv": ["x"], "tty": 2})),
            "1 validation error for _ShellExecArgs\ntty\n  Input should be a valid boolean, unable to interpret input [type=bool_parsing, input_value=2, input_type=int]\n    For further information visit https://errors.pydantic.dev/2.14/v/bool_parsing"
        );
        assert_eq!(
            err(&EXEC, json!({"argv": ["x"], "timeout_ms": 0.5, "tty": 1.5})),
            "2 validation errors for _ShellExecArgs\ntimeout_ms\n  Input should be a valid integer, got a number with a fractional part [type=int_from_float, input_value=0.5, input_type=float]\n    For further information visit https://errors.pydantic.dev/2.14/v/int_from_float\ntty\n  Input should be a valid boolean [type=bool_type, input_value=1.5, input_type=float]\n    For further information visit https://errors.pydantic.dev/2.14/v/bool_type"
        );
        assert_eq!(
            err(&EXEC, json!({"argv": ["x"], "timeout_ms": "1e3"})),
            "1 validation error for _ShellExecArgs\ntimeout_ms\n  Input should be a valid integer, unable to parse string as an integer [type=int_parsing, input_value='1e3', input_type=str]\n    For further information visit https://errors.pydantic.dev/2.14/v/int_parsing"
        );
    }
}
