//! Prints the runtime verdict for SKILL.md texts, for differential testing against the
//! reference (`tests/conformance/differential.py`).
//!
//! Input: JSON lines `{"text": "..."}` on stdin. Output: one JSON string per line:
//! `"ok:<name>|<description>"`, `"reject:<details.reason>"` or `"crash"`.

use std::io::{BufRead, Write};

use skills_runtime::skill::{DEFAULT_MAX_FRONTMATTER_BYTES, SkillDocument, Verdict};

fn main() {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("readable stdin");
        let v: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
        let text = v["text"].as_str().expect("a `text` string");
        let doc = SkillDocument::parse(text.as_bytes(), DEFAULT_MAX_FRONTMATTER_BYTES);
        let verdict = match &doc.verdict {
            Verdict::Accepted => format!(
                "ok:{}|{}",
                doc.skill_name.unwrap_or_default(),
                doc.skill_description.unwrap_or_default()
            ),
            Verdict::Rejected(r) => format!("reject:{}", r.reason()),
            Verdict::Crash(_) => "crash".to_string(),
        };
        writeln!(out, "{}", serde_json::Value::String(verdict)).expect("writable stdout");
    }
}
