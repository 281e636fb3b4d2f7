//! `--format json`: `{"version":1,"summary":{...},"diagnostics":[...]}` with 0-based lines and
//! UTF-16 characters as in LSP.

use serde_json::{Value, json};
use skills_runtime::diagnostic::Severity;
use skills_runtime::text::SourceRange;

use super::Report;

pub fn range_json(r: &SourceRange) -> Value {
    json!({
        "start": {"line": r.start.line, "character": r.start.utf16},
        "end": {"line": r.end.line, "character": r.end.utf16},
    })
}

pub fn render(report: &Report) -> String {
    let diagnostics: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut v = json!({
                "path": report.display_path(&d.path),
                "range": range_json(&d.range),
                "severity": d.severity.as_str(),
                "code": d.rule.code,
                "rule": d.rule.name,
                "message": d.message,
            });
            let obj = v.as_object_mut().expect("object");
            if let Some(rc) = d.rule.runtime_code {
                obj.insert("runtime_code".into(), json!(rc));
            }
            if let Some(h) = &d.help {
                obj.insert("help".into(), json!(h));
            }
            if !d.related.is_empty() {
                let rel: Vec<Value> = d.related.iter().map(|r| json!({"path": report.display_path(&r.path), "range": range_json(&r.range), "message": r.message})).collect();
                obj.insert("related".into(), Value::Array(rel));
            }
            v
        })
        .collect();
    let out = json!({
        "version": 1,
        "summary": {
            "files": report.files,
            "skills": report.skills,
            "errors": report.count(Severity::Error),
            "warnings": report.count(Severity::Warning),
            "infos": report.count(Severity::Info),
        },
        "diagnostics": diagnostics,
    });
    let mut s = serde_json::to_string_pretty(&out).expect("serializable");
    s.push('\n');
    s
}
