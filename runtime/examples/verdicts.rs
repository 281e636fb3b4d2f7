//! Prints the runtime verdict for texts, for differential testing against the reference
//! (`tests/conformance/differential*.py`).
//!
//! `verdicts skill`: SKILL.md texts → `"ok:<name>|<description>"`, `"reject:<details.reason>"`
//! or `"crash"`. `verdicts config`: runtime.yaml overlays → `"ok"` or the sorted,
//! comma-separated `CLI_*` codes of the findings that stop loading.
//! Input: JSON lines `{"text": "..."}` on stdin; output: one JSON string per line.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use skills_runtime::config::{Origin, load_texts};
use skills_runtime::diagnostic::Severity;
use skills_runtime::skill::{DEFAULT_MAX_FRONTMATTER_BYTES, SkillDocument, Verdict};

fn skill_verdict(text: &[u8]) -> String {
    let doc = SkillDocument::parse(text, DEFAULT_MAX_FRONTMATTER_BYTES);
    match &doc.verdict {
        Verdict::Accepted => format!(
            "ok:{}|{}",
            doc.skill_name.unwrap_or_default(),
            doc.skill_description.unwrap_or_default()
        ),
        Verdict::Rejected(r) => format!("reject:{}", r.reason()),
        Verdict::Crash(_) => "crash".to_string(),
    }
}

fn config_verdict(text: &[u8]) -> String {
    let cfg = load_texts(
        PathBuf::from("/ws"),
        vec![(
            PathBuf::from("/ws/config/runtime.yaml"),
            Origin::Discovered,
            text.to_vec(),
        )],
    );
    if cfg.loads {
        return "ok".to_string();
    }
    let mut codes: Vec<&str> = cfg
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .filter_map(|d| d.rule.runtime_code)
        .filter(|c| c.starts_with("CLI_"))
        .collect();
    codes.sort();
    codes.dedup();
    codes.join(",")
}

fn main() {
    let verdict: fn(&[u8]) -> String = match std::env::args().nth(1).as_deref() {
        Some("skill") => skill_verdict,
        Some("config") => config_verdict,
        _ => {
            eprintln!("usage: verdicts skill|config < texts.jsonl");
            std::process::exit(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("readable stdin");
        let v: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
        let text = v["text"].as_str().expect("a `text` string");
        writeln!(
            out,
            "{}",
            serde_json::Value::String(verdict(text.as_bytes()))
        )
        .expect("writable stdout");
    }
}
