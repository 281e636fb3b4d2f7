//! End-to-end tests of the `skills-lsp` command line: the real binary on real workspaces,
//! full output compared with snapshots in `tests/e2e/snapshots/`.

use serde_json::Value;
use skills_lsp_tests::{ONE_SPACE_CONFIG, Output, TempWorkspace, assert_snapshot, repo_root, run};

const BIN: &str = env!("CARGO_BIN_EXE_skills-lsp");

fn lsp(args: &[&str]) -> Output {
    run(BIN, args, &repo_root(), None)
}

#[test]
fn bundled_workspace_is_clean() {
    let out = lsp(&["--check", "skills"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_snapshot("bundled-human.txt", &out.stdout);
}

#[test]
fn bundled_workspace_json_summary() {
    let out = lsp(&["--check", "skills", "--format", "json"]);
    assert_eq!(out.code, 0);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["summary"]["skills"], 5);
    assert_eq!(v["summary"]["errors"], 0);
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0);
}

#[test]
fn broken_examples_human() {
    let out = lsp(&["--check", "skills/broken-examples"]);
    assert_eq!(out.code, 1);
    assert!(
        !out.stdout.contains('\x1b'),
        "no colour when not a terminal"
    );
    assert_snapshot("broken-human.txt", &out.stdout);
}

#[test]
fn broken_examples_json() {
    let out = lsp(&["--check", "skills/broken-examples", "--format", "json"]);
    assert_eq!(out.code, 1);
    assert_snapshot("broken.json", &out.stdout);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(
        v["summary"]["errors"].as_u64().unwrap() as usize,
        diags.iter().filter(|d| d["severity"] == "error").count()
    );
    for d in diags {
        assert!(
            !d["path"].as_str().unwrap().starts_with('/'),
            "paths are relative: {d}"
        );
        assert!(d["code"].as_str().unwrap().starts_with("SK"));
    }
}

#[test]
fn broken_examples_github_annotations() {
    let out = lsp(&["--check", "skills/broken-examples", "--format", "github"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.lines().all(|l| l.starts_with("::error file=")
        || l.starts_with("::warning file=")
        || l.starts_with("::notice file=")));
    assert_snapshot("broken-github.txt", &out.stdout);
}

#[test]
fn broken_examples_sarif() {
    let out = lsp(&["--check", "skills/broken-examples", "--format", "sarif"]);
    assert_eq!(out.code, 1);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.len() >= 50);
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(
            region["startLine"].as_u64().unwrap() >= 1
                && region["startColumn"].as_u64().unwrap() >= 1
        );
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
    }
}

#[test]
fn strict_fails_on_warnings() {
    let ws = TempWorkspace::new("strict");
    ws.file("config/runtime.yaml", ONE_SPACE_CONFIG).file(
        "skills/demo/SKILL.md",
        "---\nname: demo\ndescription: d\n---\nUse $[acme:docs].nope.\n",
    );
    let root = ws.root.to_str().unwrap();
    let relaxed = lsp(&["--check", root]);
    assert_eq!(relaxed.code, 0, "{}", relaxed.stdout);
    assert!(relaxed.stdout.contains("warning[SK301]"));
    assert_eq!(lsp(&["--check", root, "--strict"]).code, 1);
}

#[test]
fn utf16_columns_with_crlf_emoji_and_cjk() {
    let ws = TempWorkspace::new("utf16");
    ws.file("config/runtime.yaml", ONE_SPACE_CONFIG).file(
        "skills/demo/SKILL.md",
        "---\r\nname: demo\r\ndescription: 表情 😀 test\r\n---\r\n😀 日本 $[acme:docs].missing and $[Acme:docs].demo\r\n",
    );
    let out = run(BIN, &["--check", ".", "--format", "json"], &ws.root, None);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let d = &v["diagnostics"];
    // "😀 日本 " is 2 + 1 + 2 + 1 = 6 UTF-16 code units.
    let unknown = d
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "SK301")
        .unwrap();
    assert_eq!(
        unknown["range"]["start"],
        serde_json::json!({"line": 4, "character": 6})
    );
    assert_eq!(
        unknown["range"]["end"],
        serde_json::json!({"line": 4, "character": 26})
    );
    let near = d
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "SK303")
        .unwrap();
    assert_eq!(near["range"]["start"]["character"], 31);
    assert_eq!(unknown["path"], "skills/demo/SKILL.md");
}

#[test]
fn explain_prints_the_rule() {
    let out = lsp(&["--explain", "SK107"]);
    assert_eq!(out.code, 0);
    assert_snapshot("explain-sk107.txt", &out.stdout);
    let by_name = lsp(&["--explain", "name-not-string"]);
    assert_eq!(by_name.stdout, out.stdout);
    let unknown = lsp(&["--explain", "SK999"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("unknown rule"));
}

#[test]
fn rules_lists_every_rule() {
    let out = lsp(&["rules", "--format", "json"]);
    assert_eq!(out.code, 0);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(v.as_array().unwrap().len() >= 50);
}

#[test]
fn mentions_from_stdin_as_json_lines() {
    let input = "Use $[acme:docs].writer, then $[ops].deploy]\n$[web].pyThon and $[acme:docs].writer again.\n".as_bytes();
    let out = run(BIN, &["mentions", "-"], &repo_root(), Some(input));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_snapshot("mentions.jsonl", &out.stdout);
}

#[test]
fn mentions_from_a_file() {
    let out = lsp(&["mentions", "skills/library/docs/article-writer/SKILL.md"]);
    assert_eq!(out.code, 0);
    let lines: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["text"], "$[acme:docs].style-guide");
}

#[test]
fn scan_prints_the_index() {
    let out = lsp(&["scan", "--workspace-root", "skills"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let names: Vec<&str> = v["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["skill_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "article-writer",
            "fact-checker",
            "incident-review",
            "release-notes",
            "style-guide"
        ]
    );
    assert_eq!(v["skills"][0]["namespace"], "acme:docs");
    assert_eq!(
        v["skills"][0]["path"],
        "library/docs/article-writer/SKILL.md"
    );
    assert_eq!(v["errors"].as_array().unwrap().len(), 0);
}

#[test]
fn usage_and_io_errors_exit_2() {
    for args in [
        &["--bogus"][..],
        &["--check", "does/not/exist"],
        &["--check", "--format", "xml"],
        &["--check", "--profile", "nope"],
        &["frobnicate"],
    ] {
        let out = lsp(args);
        assert_eq!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(!out.stderr.is_empty(), "{args:?} explains itself on stderr");
    }
    let out = lsp(&["mentions", "no-such-file.md"]);
    assert_eq!(out.code, 2);
}

#[test]
fn no_arguments_runs_the_language_server() {
    // Input ends before `shutdown`: the server stops with exit code 1, as the protocol asks.
    for args in [&[][..], &["--stdio"], &["lsp", "--stdio"]] {
        let out = lsp(args);
        assert_eq!(out.code, 1, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(out.stdout.is_empty(), "{args:?} printed {}", out.stdout);
    }
}

#[test]
fn help_and_version() {
    let out = lsp(&["--help"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("--check"));
    let out = lsp(&["--version"]);
    assert!(out.stdout.starts_with("skills-lsp "));
}

#[test]
fn config_errors_point_into_runtime_yaml() {
    let ws = TempWorkspace::new("config");
    ws.file(
        "config/runtime.yaml",
        "skills:\n  soruces: []\n  scan:\n    max_depth: \"3\"\nsandbox:\n  profile: PROD\n",
    );
    let out = run(BIN, &["--check", ".", "--format", "json"], &ws.root, None);
    assert_eq!(out.code, 1);
    assert_snapshot("config-errors.json", &out.stdout);
}

#[test]
fn agentskills_profile_adds_spec_rules() {
    let ws = TempWorkspace::new("agentskills");
    ws.file("config/runtime.yaml", ONE_SPACE_CONFIG).file(
        "skills/pdf/SKILL.md",
        "---\nname: pdf_tools\ndescription: d\ntags: [x]\n---\n",
    );
    let runtime = run(BIN, &["--check", ".", "--format", "json"], &ws.root, None);
    assert_eq!(runtime.code, 0, "{}", runtime.stdout);
    let spec = run(
        BIN,
        &[
            "--check",
            ".",
            "--format",
            "json",
            "--profile",
            "agentskills",
        ],
        &ws.root,
        None,
    );
    assert_eq!(spec.code, 1);
    let codes: Vec<String> = serde_json::from_str::<Value>(&spec.stdout).unwrap()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, ["SK601", "SK602", "SK605"]);
}

#[test]
fn settings_file_changes_levels_and_ignores() {
    let ws = TempWorkspace::new("settings");
    ws.file("config/runtime.yaml", ONE_SPACE_CONFIG)
        .file("skills/demo/SKILL.md", "---\nname: demo\ndescription: d\n---\nUse $[acme:docs].nope.\n")
        .file("skills/drafts/SKILL.md", "---\nname: drafts\ndescription: d\n---\nUse $[acme:docs].later.\n")
        .file("skills-lsp.toml", "[rules]\nSK301 = \"error\"\n\n[per-file-ignores]\n\"skills/drafts/**\" = [\"unknown-skill\"]\n");
    let out = run(BIN, &["--check", ".", "--format", "json"], &ws.root, None);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0]["severity"], "error");
    assert_eq!(diags[0]["path"], "skills/demo/SKILL.md");
    ws.file("skills-lsp.toml", "[rules]\nSK999 = \"error\"\n");
    let bad = run(BIN, &["--check", "."], &ws.root, None);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("SK999"));
}

#[test]
fn docs_rules_md_is_up_to_date() {
    let out = lsp(&["rules", "--format", "markdown"]);
    assert_eq!(out.code, 0);
    let committed = std::fs::read_to_string(repo_root().join("docs/rules.md")).unwrap();
    assert!(
        committed == out.stdout,
        "docs/rules.md is stale: run `cargo run -p skills-lsp -- rules --format markdown > docs/rules.md`"
    );
}

#[test]
fn unreadable_path_is_an_io_error() {
    let ws = TempWorkspace::new("fifo");
    ws.file("config/runtime.yaml", ONE_SPACE_CONFIG).file(
        "skills/demo/SKILL.md",
        "---\nname: demo\ndescription: d\n---\n",
    );
    let fifo = ws.root.join("notes.md");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    let out = run(BIN, &["--check", ".", "notes.md"], &ws.root, None);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("notes.md"), "{}", out.stderr);
}

#[test]
fn command_line_rule_levels_and_globs() {
    let ws = TempWorkspace::new("cli-rules");
    ws.file("config/runtime.yaml", ONE_SPACE_CONFIG)
        .file(
            "skills/demo/SKILL.md",
            "---\nname: demo\ndescription: d\n---\nUse $[acme:docs].nope.\n",
        )
        .file("docs/guide.md", "See $[acme:docs].missing.\n")
        .file("skills-lsp.toml", "[rules]\nSK301 = \"off\"\n");
    let codes = |args: &[&str]| -> Vec<String> {
        let out = run(BIN, args, &ws.root, None);
        assert!(out.code <= 1, "{}", out.stderr);
        serde_json::from_str::<Value>(&out.stdout).unwrap()["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{} {}",
                    d["path"].as_str().unwrap(),
                    d["severity"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert!(codes(&["--check", ".", "--format", "json"]).is_empty());
    assert_eq!(
        codes(&[
            "--check",
            ".",
            "--format",
            "json",
            "--rule",
            "unknown-skill=error"
        ]),
        ["skills/demo/SKILL.md error"]
    );
    assert_eq!(
        codes(&[
            "--check",
            ".",
            "--format",
            "json",
            "--rule",
            "SK301=warning",
            "--include",
            "docs/**/*.md"
        ]),
        ["docs/guide.md warning", "skills/demo/SKILL.md warning"]
    );
    assert_eq!(
        codes(&[
            "--check",
            ".",
            "--format",
            "json",
            "--rule",
            "SK301=warning",
            "--exclude",
            "skills/**"
        ]),
        Vec::<String>::new()
    );
    let bad = run(BIN, &["--check", ".", "--rule", "SK301"], &ws.root, None);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("CODE=LEVEL"));
}

#[test]
fn nested_workspaces_are_found_below_a_root_without_config() {
    let ws = TempWorkspace::new("nested");
    ws.file("team-a/config/runtime.yaml", ONE_SPACE_CONFIG)
        .file(
            "team-a/skills/a1/SKILL.md",
            "---\nname: shared\ndescription: d\n---\n",
        )
        .file(
            "team-a/skills/a2/SKILL.md",
            "---\nname: shared\ndescription: d\n---\n",
        )
        .file("loose/SKILL.md", "---\nname: yes\ndescription: d\n---\n");
    let out = run(BIN, &["--check", "--format", "json"], &ws.root, None);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let found: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["code"].as_str().unwrap(),
                d["path"].as_str().unwrap()
            )
        })
        .collect();
    // The duplicate is only an error because team-a's config puts both in one namespace.
    assert_eq!(
        found,
        [
            "SK107 loose/SKILL.md",
            "SK501 team-a/skills/a1/SKILL.md",
            "SK501 team-a/skills/a2/SKILL.md"
        ]
    );
}

#[test]
fn a_closed_pipe_is_not_a_crash() {
    use std::io::Read;
    for args in [
        &["rules"][..],
        &["--check", "skills/broken-examples", "--format", "json"],
        &["scan", "--workspace-root", "skills"],
    ] {
        let mut child = std::process::Command::new(BIN)
            .args(args)
            .current_dir(repo_root())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 8];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{args:?}: {:?}",
            out.status
        );
    }
}
