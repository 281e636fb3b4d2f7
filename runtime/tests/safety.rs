//! The safety gate against the reference: the golden approval keys of spec §4.7, and the
//! vectors in `tests/data/safety/` made by `tests/conformance/generate_safety_golden.py`.

use serde_json::{Map, Value, json};
use skills_runtime::agent::config::{SafetyConfig, SafetyMode};
use skills_runtime::agent::json::{PyDumps, canonical_json, py_dumps, python_str, to_python_json};
use skills_runtime::agent::safety::{
    GateDecision, Redactor, SkillActionIntent, approval_request, decide, evaluate_command_risk,
    logged_arguments, parse_shell_intent, shlex,
};
use skills_runtime::agent::tools::GateCategory;

fn args(v: Value) -> Map<String, Value> {
    v.as_object().expect("test args are an object").clone()
}

fn key(tool: &str, category: GateCategory, a: Value) -> String {
    approval_request(tool, Some(category), &args(a), None, &Redactor::default()).approval_key
}

#[test]
fn spec_golden_approval_keys_match_byte_for_byte() {
    use GateCategory::{Custom, File, Shell};
    let cases = [
        (
            "shell_exec",
            Shell,
            json!({"argv": ["echo", "hi"]}),
            "7f5f56039b08acd10d4d6ec9e70d88cda4ffb285e8486a5c12e1665a3ccf42ea",
        ),
        (
            "shell_exec",
            Shell,
            json!({"argv": ["rm", "-rf", "/tmp/x"]}),
            "6cd804592523798d8921629e566319d67de0000033ba7d1a9edb487c66db4617",
        ),
        (
            "shell_exec",
            Shell,
            json!({"argv": ["ls"]}),
            "d40c953d2e0e3ba78046ba06b3ad89084189e526392f97197ad4ffec26c46efb",
        ),
        (
            "shell_exec",
            Shell,
            json!({"argv": ["git", "push"], "env": {"TOKEN": "abcd1234"}, "timeout_ms": 5000}),
            "0e51efcd9453778b13be505b8ce7741b9f0113aeddb056b1b3327f64ae845da3",
        ),
        (
            "file_write",
            File,
            json!({"path": "a.txt", "content": "secret"}),
            "0ba057f2b4443fe9ae42d3db20df27d4b7e6e81f63bf24a2bc5c94d412c14482",
        ),
        (
            "file_write",
            File,
            json!({"path": "notes/é.txt", "content": "ünï", "justification": " why "}),
            "64d58ebf1bdb50e517424dbd085186f3e438981ce0c99f7111114405ffca8936",
        ),
        (
            "shell_command",
            Shell,
            json!({"command": "pytest -q"}),
            "8bc899efeda3ec367d17c440d2ce4ccdb03393b39af03dd3942c75d2ad04cd88",
        ),
        (
            "shell_command",
            Shell,
            json!({"command": "ls | wc -l", "workdir": "src"}),
            "74ffc2da2bf99ec1c6377d1fd9cf6a8ed943f79ddb0f063097f118f93f8eeb3c",
        ),
        (
            "exec_command",
            Shell,
            json!({"cmd": "python -i"}),
            "f7c34b5e9be7f55bc0cf844c5d95c112555dd73017c36e5ffea08f5b07916aec",
        ),
        (
            "apply_patch",
            File,
            json!({"input": "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch"}),
            "48f9339d77c550095e33203e9b34e4a6fe6f551cd075c7668078efe77a74b4be",
        ),
        (
            "write_stdin",
            File,
            json!({"session_id": 1, "chars": "y\n"}),
            "d8e00b79249c7832996994c2773d420d244dcb4822c549cee571bc6929098157",
        ),
        (
            "my_tool",
            Custom,
            json!({"q": "x", "env": {"B": "1", "A": "2"}}),
            "d568ac8d93400a68ce3ca463bd0eeb3dcf92c1bd9c30dc4a0f515849e1060253",
        ),
    ];
    for (tool, category, a, want) in cases {
        assert_eq!(key(tool, category, a.clone()), want, "{tool} {a}");
    }
}

#[test]
fn spec_full_canonical_string_of_the_first_golden_row() {
    let req = approval_request(
        "shell_exec",
        Some(GateCategory::Shell),
        &args(json!({"argv": ["echo", "hi"]})),
        None,
        &Redactor::default(),
    );
    assert_eq!(
        canonical_json(&json!({"tool": "shell_exec", "request": req.request})),
        r#"{"request":{"argv":["echo","hi"],"cwd":null,"env_keys":[],"risk":{"reason":"未命中高危模式（Phase 2 最小规则）","risk_level":"low"},"sandbox":null,"sandbox_permissions":null,"timeout_ms":null,"tty":false},"tool":"shell_exec"}"#
    );
    assert_eq!(req.summary, "授权：shell_exec 执行命令：echo hi");
}

// ---------------------------------------------------------------------------------------------
// Vectors generated from the reference (tests/conformance/generate_safety_golden.py)
// ---------------------------------------------------------------------------------------------

fn golden(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/data/safety/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{path}: {e}")))
        .collect()
}

fn text(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {v}"))
        .to_string()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().expect("string item").to_string())
        .collect()
}

/// Fails with every mismatch listed (up to 20), so one run shows the whole picture.
fn assert_no_mismatches(what: &str, total: usize, mismatches: Vec<String>) {
    assert!(
        mismatches.is_empty(),
        "{what}: {} of {total} cases differ from the reference:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn shlex_split_and_quote_match_python() {
    let cases = golden("shlex.jsonl");
    let mut bad = Vec::new();
    for case in &cases {
        let input = text(case, "text");
        if case["kind"] == "quote" {
            let got = shlex::quote(&input);
            if got != text(case, "quote") {
                bad.push(format!(
                    "quote {input:?}: got {got:?}, want {}",
                    case["quote"]
                ));
            }
            continue;
        }
        let got = shlex::split(&input).map_err(|e| e.to_string());
        let want = match case.get("split") {
            Some(words) => Ok(strings(words)),
            None => Err(text(case, "error")),
        };
        if got != want {
            bad.push(format!("split {input:?}: got {got:?}, want {want:?}"));
        }
    }
    assert_no_mismatches("shlex", cases.len(), bad);
}

#[test]
fn json_dumps_match_python_byte_for_byte() {
    let cases = golden("json.jsonl");
    let mut bad = Vec::new();
    for case in &cases {
        let value: Value = serde_json::from_str(&text(case, "json")).expect("vector parses");
        let sorted_default = py_dumps(
            &value,
            PyDumps {
                sort_keys: true,
                compact: false,
            },
        );
        let got = [
            ("canonical", canonical_json(&value)),
            ("python", to_python_json(&value)),
            ("sorted_python", sorted_default),
            ("str", python_str(&value)),
        ];
        for (field, out) in got {
            if out != text(case, field) {
                bad.push(format!("{field} of {}: got {out}", case["json"]));
            }
        }
    }
    assert_no_mismatches("json", cases.len(), bad);
}

#[test]
fn guard_matches_reference_risk_table() {
    let cases = golden("guard.jsonl");
    let mut bad = Vec::new();
    for case in &cases {
        let argv = strings(&case["argv"]);
        let risk = evaluate_command_risk(&argv);
        if risk.level.as_str() != case["risk_level"] || risk.reason != case["reason"] {
            bad.push(format!(
                "{argv:?}: got {risk:?}, want {} {}",
                case["risk_level"], case["reason"]
            ));
        }
    }
    assert_no_mismatches("guard", cases.len(), bad);
}

#[test]
fn shell_intent_matches_reference_parser() {
    let cases = golden("intent.jsonl");
    let mut bad = Vec::new();
    for case in &cases {
        let command = text(case, "command");
        let intent = parse_shell_intent(&command);
        let want = (
            strings(&case["argv"]),
            case["is_complex"].as_bool(),
            text(case, "reason"),
        );
        let got = (
            intent.argv.clone(),
            Some(intent.is_complex),
            intent.reason.clone(),
        );
        if got != want {
            bad.push(format!("{command:?}: got {got:?}, want {want:?}"));
        }
    }
    assert_no_mismatches("intent", cases.len(), bad);
}

fn category(v: &Value) -> Option<GateCategory> {
    match v.as_str() {
        Some("shell") => Some(GateCategory::Shell),
        Some("file") => Some(GateCategory::File),
        Some("custom") => Some(GateCategory::Custom),
        Some("none") => Some(GateCategory::None),
        None => None,
        Some(other) => panic!("unknown category {other}"),
    }
}

fn safety_config(v: &Value) -> SafetyConfig {
    SafetyConfig {
        mode: match v["mode"].as_str() {
            Some("allow") => SafetyMode::Allow,
            Some("deny") => SafetyMode::Deny,
            _ => SafetyMode::Ask,
        },
        allowlist: strings(&v["allowlist"]),
        denylist: strings(&v["denylist"]),
        tool_allowlist: strings(&v["tool_allowlist"]),
        tool_denylist: strings(&v["tool_denylist"]),
        approval_timeout_ms: 60_000,
    }
}

fn skill_action(v: &Value) -> Option<SkillActionIntent> {
    if v.is_null() {
        return None;
    }
    let opt = |key: &str| v[key].as_str().map(str::to_string);
    Some(SkillActionIntent {
        bundle_root: opt("bundle_root"),
        bundle_sha256: opt("bundle_sha256"),
        argv: strings(&v["argv"]),
        timeout_ms: v["timeout_ms"].as_i64(),
        env_keys: strings(&v["env_keys"]),
        resolve_error: opt("resolve_error"),
    })
}

const DESCRIPTOR_TOOLS: [&str; 8] = [
    "shell_exec",
    "shell",
    "shell_command",
    "exec_command",
    "write_stdin",
    "file_write",
    "apply_patch",
    "skill_exec",
];

/// Our redaction of the descriptor tools' requests, written independently of the crate's.
fn redact_except_digests(value: &mut Value, redactor: &Redactor) {
    match value {
        Value::String(s) => *s = redactor.redact_str(s).into_owned(),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| redact_except_digests(v, redactor)),
        Value::Object(map) => map
            .iter_mut()
            .filter(|(k, _)| !k.ends_with("_sha256"))
            .for_each(|(_, v)| redact_except_digests(v, redactor)),
        _ => {}
    }
}

/// Decisions and approval keys exactly as the reference's; logged arguments and approval
/// displays as the reference's, plus the redaction of descriptor tools' requests.
#[test]
fn gate_matches_reference_decisions_logged_arguments_and_approvals() {
    let cases = golden("gate.jsonl");
    let mut bad = Vec::new();
    for case in &cases {
        let tool = text(case, "tool");
        let category = category(&case["category"]);
        let args: Map<String, Value> =
            serde_json::from_str(&text(case, "args_json")).expect("args vector parses");
        let safety = safety_config(&case["safety"]);
        let redactor = Redactor::new(strings(&case["secrets"]));
        let action = skill_action(&case["skill_action"]);
        let label = format!("{tool} {} {}", case["args_json"], case["safety"]);

        let decision = decide(&tool, category, &args, action.as_ref(), &safety);
        let rule = |r: &str| (r == case["rule"]).then_some(()).is_some();
        let decision_ok = match (&decision, text(case, "action").as_str()) {
            (GateDecision::Allow, "allow") => true,
            (GateDecision::Ask { rule: r }, "ask") => rule(r),
            (GateDecision::Deny { reason, rule: r }, "deny") => {
                rule(r) && *reason == case["reason"]
            }
            _ => false,
        };
        if !decision_ok {
            bad.push(format!(
                "{label}: decision {decision:?}, want {} {} {}",
                case["action"], case["reason"], case["rule"]
            ));
        }

        // Beyond the reference: descriptor tools' requests are redacted too (not their key).
        let beyond = category.is_some() && DESCRIPTOR_TOOLS.contains(&tool.as_str());
        let expected_display = |field: &str| {
            let reference = text(case, field);
            if !beyond {
                return reference;
            }
            let mut value: Value = serde_json::from_str(&reference).expect("reference JSON");
            redact_except_digests(&mut value, &redactor);
            to_python_json(&value)
        };

        let logged = logged_arguments(&tool, category, &args, action.as_ref(), &redactor);
        let logged = to_python_json(&Value::Object(logged));
        if logged != expected_display("logged_json") {
            bad.push(format!(
                "{label}: logged {logged}, want {}",
                case["logged_json"]
            ));
        }

        let approval = approval_request(&tool, category, &args, action.as_ref(), &redactor);
        let summary = text(case, "summary");
        let summary = if beyond {
            redactor.redact_str(&summary).into_owned()
        } else {
            summary
        };
        if approval.summary != summary {
            bad.push(format!(
                "{label}: summary {}, want {summary}",
                approval.summary
            ));
        }
        let request = to_python_json(&approval.request);
        if request != expected_display("request_json") {
            bad.push(format!(
                "{label}: request {request}, want {}",
                case["request_json"]
            ));
        }
        if approval.approval_key != case["approval_key"] {
            bad.push(format!(
                "{label}: key {}, want {}",
                approval.approval_key, case["approval_key"]
            ));
        }
    }
    assert_no_mismatches("gate", cases.len(), bad);
}

#[test]
fn calls_that_differ_only_in_hidden_values_share_one_approval_key() {
    let a = key(
        "shell_exec",
        GateCategory::Shell,
        json!({"argv": ["deploy"], "env": {"TOKEN": "one"}}),
    );
    let b = key(
        "shell_exec",
        GateCategory::Shell,
        json!({"env": {"TOKEN": "two"}, "argv": ["deploy"], "justification": "  "}),
    );
    assert_eq!(a, b);
    let c = key(
        "shell_exec",
        GateCategory::Shell,
        json!({"argv": ["deploy"], "env": {"OTHER": "one"}}),
    );
    assert_ne!(a, c);
}

#[test]
fn canonical_request_keeps_floats_controls_and_non_ascii_as_python_writes_them() {
    let req = approval_request(
        "shell_exec",
        Some(GateCategory::Shell),
        &args(json!({"argv": ["ls"], "timeout_ms": 1e16, "cwd": "é/\u{1}\t"})),
        None,
        &Redactor::default(),
    );
    let canonical = canonical_json(&json!({"tool": "shell_exec", "request": req.request}));
    assert!(canonical.contains(r#""cwd":"é/\u0001\t""#), "{canonical}");
    assert!(canonical.contains(r#""timeout_ms":1e+16"#), "{canonical}");
}
