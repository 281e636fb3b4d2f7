//! The safety gate against the reference: the golden approval keys of spec §4.7, and the
//! vectors in `tests/data/safety/` made by `tests/conformance/generate_safety_golden.py`.

use serde_json::{Map, Value, json};
use skills_runtime::agent::safety::{Redactor, approval_request};
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
        skills_runtime::agent::json::canonical_json(
            &json!({"tool": "shell_exec", "request": req.request})
        ),
        r#"{"request":{"argv":["echo","hi"],"cwd":null,"env_keys":[],"risk":{"reason":"未命中高危模式（Phase 2 最小规则）","risk_level":"low"},"sandbox":null,"sandbox_permissions":null,"timeout_ms":null,"tty":false},"tool":"shell_exec"}"#
    );
    assert_eq!(req.summary, "授权：shell_exec 执行命令：echo hi");
}
