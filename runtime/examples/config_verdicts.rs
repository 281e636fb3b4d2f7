//! Prints whether the runtime would load a `runtime.yaml` overlay, for differential testing
//! against the reference (`tests/conformance/differential_config.py`).
//!
//! Input: JSON lines `{"text": "..."}` on stdin. Output: one JSON string per line: `"ok"` or
//! the sorted, comma-separated reference codes of the blocking findings
//! (`CLI_CONFIG_INVALID`, `CLI_CONFIG_LOAD_FAILED`, `CLI_OVERLAY_*`).

use std::io::{BufRead, Write};
use std::path::PathBuf;

use skills_runtime::config::{Origin, load_texts};
use skills_runtime::diagnostic::Severity;

fn main() {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("readable stdin");
        let v: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
        let text = v["text"]
            .as_str()
            .expect("a `text` string")
            .as_bytes()
            .to_vec();
        let cfg = load_texts(
            PathBuf::from("/ws"),
            vec![(
                PathBuf::from("/ws/config/runtime.yaml"),
                Origin::Discovered,
                text,
            )],
        );
        let verdict = if cfg.loads {
            "ok".to_string()
        } else {
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
        };
        writeln!(out, "{}", serde_json::Value::String(verdict)).expect("writable stdout");
    }
}
