//! Secret redaction (spec §6.5, `P/core/event_redaction.py`, `ToolExecutionContext.redact_text`).
//!
//! The secrets are the values of the run's env store. Each value is trimmed (`str.strip()`);
//! values shorter than 4 characters are ignored (too likely to occur by chance); every
//! occurrence of the others is replaced by `<redacted>`, one value after the other in the store's
//! order (so with overlapping values the order decides what is left, as in the reference).

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::text::python_strip;

/// The replacement text.
pub const REDACTED: &str = "<redacted>";

/// Secret values to scrub from logged text, in the env store's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redactor {
    values: Vec<String>,
}

impl Redactor {
    /// From the env store's values, in insertion order.
    pub fn new<I, S>(values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let values = values
            .into_iter()
            .map(|v| python_strip(v.as_ref()).to_string())
            // `len(str)` counts code points.
            .filter(|v| v.chars().count() >= 4)
            .collect();
        Redactor { values }
    }

    /// No value long enough to redact.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `text` with every secret value replaced by `<redacted>`.
    pub fn redact_str<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for value in &self.values {
            if out.contains(value.as_str()) {
                out = Cow::Owned(out.replace(value.as_str(), REDACTED));
            }
        }
        out
    }

    /// Every string inside `value` redacted (object keys are left alone).
    pub fn redact_value(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.redact_str(s).into_owned()),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.redact_value(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.redact_value(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// How the reference logs the arguments of tools without a safety descriptor (custom tools and
/// the ungated built-ins), and what it shows for custom tools' approvals: strings redacted, and
/// every `env` object, at any depth, replaced by `env_keys` (its sorted key names) in place.
pub(crate) fn redact_event_arguments(
    args: &Map<String, Value>,
    redactor: &Redactor,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in args {
        match value {
            Value::Object(env) if key == "env" => {
                let mut keys: Vec<&String> = env.keys().collect();
                keys.sort();
                out.insert(
                    "env_keys".to_string(),
                    Value::Array(keys.into_iter().map(|k| Value::String(k.clone())).collect()),
                );
            }
            other => {
                out.insert(key.clone(), redact_event_value(other, redactor));
            }
        }
    }
    out
}

fn redact_event_value(value: &Value, redactor: &Redactor) -> Value {
    match value {
        Value::String(s) => Value::String(redactor.redact_str(s).into_owned()),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| redact_event_value(v, redactor))
                .collect(),
        ),
        Value::Object(map) => Value::Object(redact_event_arguments(map, redactor)),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_shorter_than_four_characters_after_trim_are_not_secrets() {
        let r = Redactor::new(["abc", " abc ", "  abcd\n", "ééé"]);
        assert_eq!(
            r.redact_str("abc abcd xabcdx"),
            "abc <redacted> x<redacted>x"
        );
        assert!(Redactor::new(["abc", "  x  "]).is_empty());
        assert_eq!(Redactor::new(["éééé"]).redact_str("aééééb"), "a<redacted>b");
    }

    #[test]
    fn empty_store_changes_nothing() {
        let r = Redactor::new(Vec::<String>::new());
        assert!(matches!(r.redact_str("abcd"), Cow::Borrowed("abcd")));
    }

    #[test]
    fn values_are_replaced_in_store_order() {
        let r = Redactor::new(["abcd", "abcdef"]);
        assert_eq!(r.redact_str("abcdef"), "<redacted>ef");
        let r = Redactor::new(["abcdef", "abcd"]);
        assert_eq!(r.redact_str("abcdef"), "<redacted>");
    }

    #[test]
    fn event_arguments_redact_strings_and_reduce_env_to_keys_at_any_depth() {
        let r = Redactor::new(["s3cret"]);
        let args = json!({
            "q": "use s3cret",
            "env": {"B": "s3cret", "A": "1"},
            "nested": [{"env": {"Z": "1"}, "n": 1, "env_keys": "s3cret"}],
            "s3cret": null,
            "env2": {"env": "not an object"}
        });
        let out = redact_event_arguments(args.as_object().unwrap(), &r);
        assert_eq!(
            Value::Object(out),
            json!({
                "q": "use <redacted>",
                "env_keys": ["A", "B"],
                "nested": [{"env_keys": "<redacted>", "n": 1}],
                "s3cret": null,
                "env2": {"env": "not an object"}
            })
        );
    }

    #[test]
    fn redact_value_recurses_without_touching_keys() {
        let r = Redactor::new(["tok3n"]);
        let v = json!({"tok3n": ["a tok3n", {"env": "tok3n"}], "n": 2});
        assert_eq!(
            r.redact_value(&v),
            json!({"tok3n": ["a <redacted>", {"env": "<redacted>"}], "n": 2})
        );
    }
}
