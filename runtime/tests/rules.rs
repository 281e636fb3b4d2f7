//! Every rule has a fixture workspace under `tests/fixtures/rules/<CODE>/` that triggers it,
//! and the full output for that workspace is a snapshot (`expected.txt`). Adding a case means
//! adding a directory; `UPDATE_SNAPSHOTS=1 cargo test -p skills-runtime --test rules` rewrites
//! the snapshots after an intended change.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use skills_runtime::check::{CheckOptions, check_workspace};
use skills_runtime::config::LoadOptions;
use skills_runtime::rules;
use skills_runtime::settings::Settings;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

/// Runs a fixture workspace and renders its findings one per line.
fn render(dir: &Path) -> String {
    let meta: Value = std::fs::read_to_string(dir.join("fixture.json"))
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(Value::Null);
    let strings = |key: &str| -> Vec<String> {
        meta[key]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    let root = dir.canonicalize().unwrap();
    let mut env: HashMap<String, String> = HashMap::new();
    if let Some(e) = meta["env"].as_object() {
        for (k, v) in e {
            env.insert(k.clone(), v.as_str().unwrap().to_string());
        }
    }
    let config = LoadOptions {
        workspace_root: root.clone(),
        cli_overlays: strings("configs").into_iter().map(PathBuf::from).collect(),
        use_dotenv: meta["dotenv"].as_bool().unwrap_or(false),
        env,
    };
    let paths = strings("paths").into_iter().map(|p| root.join(p)).collect();
    let settings = Settings::load(&root).unwrap();
    let ws = check_workspace(&CheckOptions {
        config,
        paths,
        profile: None,
        settings,
        nested_workspaces: Vec::new(),
    });
    let mut out = String::new();
    let root_str = root.to_string_lossy().into_owned();
    for d in &ws.diagnostics {
        let rel = d
            .path
            .strip_prefix(&root)
            .unwrap_or(&d.path)
            .to_string_lossy()
            .into_owned();
        let message = d.message.replace(&root_str, "<root>");
        out.push_str(&format!(
            "{} {} {}:{}:{}: {}\n",
            d.rule.code,
            d.severity.as_str(),
            rel,
            d.range.start.line + 1,
            d.range.start.utf16 + 1,
            message
        ));
        if let Some(h) = &d.help {
            out.push_str(&format!("    help: {}\n", h.replace(&root_str, "<root>")));
        }
        if let Some(f) = &d.fix {
            let edits: Vec<String> = f
                .edits
                .iter()
                .map(|e| format!("{}..{} => {:?}", e.range.start, e.range.end, e.new_text))
                .collect();
            out.push_str(&format!("    fix: {} [{}]\n", f.title, edits.join(", ")));
        }
    }
    out
}

#[test]
fn every_rule_has_a_fixture_that_triggers_it() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut failures = Vec::new();
    for rule in rules::all() {
        let dir = fixtures().join(rule.code);
        if !dir.is_dir() {
            failures.push(format!(
                "{}: no fixture directory {}",
                rule.code,
                dir.display()
            ));
            continue;
        }
        let got = render(&dir);
        if !got
            .lines()
            .any(|l| l.starts_with(&format!("{} ", rule.code)))
        {
            failures.push(format!(
                "{}: the fixture does not trigger the rule; output:\n{got}",
                rule.code
            ));
        }
        let expected_path = dir.join("expected.txt");
        if update {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != got {
            failures.push(format!(
                "{}: output differs from {}\n--- expected\n{expected}--- got\n{got}",
                rule.code,
                expected_path.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(set UPDATE_SNAPSHOTS=1 to accept intended changes)",
        failures.join("\n\n")
    );
}

#[test]
fn no_fixture_without_a_rule() {
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(rules::find(&name).is_some(), "fixture {name} names no rule");
    }
}
