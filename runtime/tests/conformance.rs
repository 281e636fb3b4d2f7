//! Conformance with the reference runtime: the 3000 shared mention vectors, our own extra
//! vectors, and 258 workspaces whose scan/preflight verdicts were recorded by running
//! skills-runtime-sdk 0.1.12 (`tests/conformance/generate_reference.py`).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value;
use skills_runtime::check::{CheckOptions, check_workspace};
use skills_runtime::config::LoadOptions;
use skills_runtime::mentions;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn check_vectors(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut failures = Vec::new();
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        n += 1;
        let v: Value = serde_json::from_str(line).unwrap();
        let input = v["text"].as_str().unwrap();
        let expected: Vec<(String, String, u64, u64)> = v["mentions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m[0].as_str().unwrap().into(),
                    m[1].as_str().unwrap().into(),
                    m[4].as_u64().unwrap(),
                    m[5].as_u64().unwrap(),
                )
            })
            .collect();
        let got: Vec<(String, String, u64, u64)> = mentions::extract(input.as_bytes())
            .into_iter()
            .map(|m| {
                (
                    m.namespace,
                    m.skill_name,
                    m.range.start as u64,
                    m.range.end as u64,
                )
            })
            .collect();
        if got != expected {
            failures.push(format!(
                "{input:?}\n  expected {expected:?}\n  got      {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} vectors in {} fail:\n{}",
        failures.len(),
        path.display(),
        failures.join("\n")
    );
    n
}

#[test]
fn shared_mention_vectors_all_pass() {
    let path = repo().join("../shared/conformance/mentions.jsonl");
    if !path.exists() {
        assert!(
            std::env::var("CI").is_err(),
            "CI must provide ../shared/conformance/mentions.jsonl"
        );
        eprintln!(
            "SKIPPED: {} not found (it lives beside the repository)",
            path.display()
        );
        return;
    }
    assert_eq!(check_vectors(&path), 3000);
}

#[test]
fn extra_mention_vectors_all_pass() {
    assert!(check_vectors(&repo().join("tests/conformance/mentions_extra.jsonl")) >= 40);
}

/// What our model says about a case, in the reference's terms.
#[derive(Debug, Default)]
struct Observed {
    loads: bool,
    runtime_codes: BTreeSet<String>,
    skills: BTreeSet<(String, String, String)>,
    rejected: BTreeSet<(String, String)>,
    scan_codes: BTreeSet<String>,
    /// No config: we discover skills for linting, where the runtime has no spaces at all.
    discovered_without_config: bool,
}

fn observe(case_dir: &Path, env: &HashMap<String, String>) -> Observed {
    let mut config = LoadOptions::new(case_dir);
    config.use_dotenv = false;
    config.env = env.clone();
    let ws = check_workspace(&CheckOptions {
        config,
        ..Default::default()
    });
    let root = ws.root.clone();
    let rel = |p: &Path| {
        p.strip_prefix(&root)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    };
    let mut o = Observed {
        loads: ws.config.loads || !ws.config.has_overlays(),
        discovered_without_config: ws.index.discovered_without_config,
        ..Default::default()
    };
    for d in &ws.diagnostics {
        if let Some(c) = d.rule.runtime_code {
            o.runtime_codes.insert(c.to_string());
        }
    }
    for s in &ws.index.skills {
        o.skills.insert((
            s.namespace.clone().unwrap_or_default(),
            s.name.clone(),
            rel(&s.locator),
        ));
    }
    for e in &ws.index.errors {
        o.scan_codes.insert(e.code.to_string());
        if let (Some(p), Some(r), "SKILL_SCAN_METADATA_INVALID") = (&e.path, &e.reason, e.code) {
            o.rejected.insert((rel(p), r.clone()));
        }
    }
    o
}

const CONFIG_CODES: [&str; 6] = [
    "CLI_CONFIG_INVALID",
    "CLI_CONFIG_LOAD_FAILED",
    "CLI_OVERLAY_LOAD_FAILED",
    "CLI_OVERLAY_INVALID",
    "CLI_OVERLAY_NOT_FOUND",
    "CLI_DOTENV_LOAD_FAILED",
];

fn compare(name: &str, case: &Value, o: &Observed) -> Vec<String> {
    let mut problems = Vec::new();
    let scan = &case["scan"];
    let errors = scan["errors"].as_array().cloned().unwrap_or_default();
    let codes: BTreeSet<String> = errors
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_string())
        .collect();
    let config_codes: BTreeSet<String> = codes
        .iter()
        .filter(|c| CONFIG_CODES.contains(&c.as_str()))
        .cloned()
        .collect();
    if scan.get("crash").is_some() {
        if o.loads && !o.scan_codes.contains("CLI_SCAN_FAILED") {
            problems.push(format!("reference crashes ({}), we accept", scan["crash"]));
        }
        return problems;
    }
    if !config_codes.is_empty() {
        if o.loads {
            problems.push(format!(
                "reference refuses the config ({config_codes:?}); we load it"
            ));
        }
        for c in &config_codes {
            if !o.runtime_codes.contains(c) {
                problems.push(format!(
                    "reference reports {c}; we do not (we report {:?})",
                    o.runtime_codes
                ));
            }
        }
        return problems;
    }
    if !o.loads {
        problems.push(format!(
            "we refuse the config ({:?}); the reference loads it",
            o.runtime_codes
        ));
    }
    if codes.contains("CLI_SCAN_FAILED") {
        if !o.scan_codes.contains("CLI_SCAN_FAILED") {
            problems.push(format!(
                "reference scan fails ({:?}); ours does not (errors {:?})",
                errors.iter().map(|e| &e["reason"]).collect::<Vec<_>>(),
                o.scan_codes
            ));
        }
        return problems;
    }
    if o.scan_codes.contains("CLI_SCAN_FAILED") {
        problems.push("our scan fails; the reference's does not".into());
    }
    if codes.contains("SKILL_DUPLICATE_NAME") != o.scan_codes.contains("SKILL_DUPLICATE_NAME") {
        problems.push(format!(
            "SKILL_DUPLICATE_NAME: reference {}, ours {}",
            codes.contains("SKILL_DUPLICATE_NAME"),
            o.scan_codes.contains("SKILL_DUPLICATE_NAME")
        ));
    }
    if o.discovered_without_config {
        // Deliberate divergence (docs/conformance.md): without config the runtime indexes
        // nothing; we still lint every SKILL.md we find.
        if !scan["skills"].as_array().unwrap().is_empty() {
            problems.push("reference indexes skills without config".into());
        }
    } else if !codes.contains("SKILL_DUPLICATE_NAME") {
        let expected: BTreeSet<(String, String, String)> = scan["skills"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["namespace"].as_str().unwrap().into(),
                    s["skill_name"].as_str().unwrap().into(),
                    s["locator"].as_str().unwrap().into(),
                )
            })
            .collect();
        if expected != o.skills {
            problems.push(format!(
                "skills differ:\n    reference {expected:?}\n    ours      {:?}",
                o.skills
            ));
        }
    }
    let expected_rejected: BTreeSet<(String, String)> = errors
        .iter()
        .filter(|e| e["code"] == "SKILL_SCAN_METADATA_INVALID")
        .filter_map(|e| {
            Some((
                e["path"].as_str()?.to_string(),
                e["reason"].as_str()?.to_string(),
            ))
        })
        .collect();
    if expected_rejected != o.rejected {
        problems.push(format!(
            "rejected files differ:\n    reference {expected_rejected:?}\n    ours      {:?}",
            o.rejected
        ));
    }
    if codes.contains("SKILL_SCAN_SOURCE_UNAVAILABLE")
        && !o.scan_codes.contains("SKILL_SCAN_SOURCE_UNAVAILABLE")
        && !o.runtime_codes.contains("SKILL_CONFIG_INVALID_OPTION")
    {
        problems.push("reference reports SKILL_SCAN_SOURCE_UNAVAILABLE; we do not".into());
    }
    // Preflight issue codes.
    let pre: BTreeSet<String> = case["preflight"]["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_string())
        .filter(|c| c.starts_with("SKILL_CONFIG_"))
        .collect();
    let ours: BTreeSet<String> = o
        .runtime_codes
        .iter()
        .filter(|c| c.starts_with("SKILL_CONFIG_"))
        .cloned()
        .collect();
    if pre != ours {
        problems.push(format!(
            "preflight codes differ: reference {pre:?}, ours {ours:?}"
        ));
    }
    let _ = name;
    problems
}

#[test]
fn workspaces_agree_with_the_reference() {
    let base = repo().join("tests/conformance");
    let verdicts: Value = serde_json::from_str(
        &std::fs::read_to_string(base.join("reference_verdicts.json")).unwrap(),
    )
    .unwrap();
    let cases = verdicts["cases"].as_object().unwrap();
    assert!(cases.len() >= 60);
    let mut failures = Vec::new();
    for (name, case) in cases {
        let mut env: HashMap<String, String> = HashMap::new();
        if let Some(e) = case.get("env").and_then(Value::as_object) {
            for (k, v) in e {
                env.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
            }
        }
        let dir = base.join("workspaces").join(name);
        let observed = observe(&dir, &env);
        let problems = compare(name, case, &observed);
        if !problems.is_empty() {
            failures.push(format!(
                "{name} ({}):\n  {}",
                case["description"].as_str().unwrap_or(""),
                problems.join("\n  ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree with the reference:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
