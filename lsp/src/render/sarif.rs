//! `--format sarif`: SARIF 2.1.0 with rule metadata, for code-scanning dashboards.

use serde_json::{Value, json};
use skills_runtime::diagnostic::Severity;
use skills_runtime::rules;

use super::Report;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn render(report: &Report) -> String {
    let all = rules::all();
    let rule_index = |code: &str| all.iter().position(|r| r.code == code);
    let rules_json: Vec<Value> = all
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.explanation},
                "help": {"text": format!("{}\n\nRuntime: {}", r.explanation, r.runtime)},
                "helpUri": rules::doc_url(r),
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"profile": r.profile.as_str(), "runtimeCode": r.runtime_code},
            })
        })
        .collect();
    let region = |r: &skills_runtime::text::SourceRange| {
        json!({
            "startLine": r.start.line + 1,
            "startColumn": r.start.utf16 + 1,
            "endLine": r.end.line + 1,
            "endColumn": r.end.utf16 + 1,
        })
    };
    let location = |path: &std::path::Path, r: &skills_runtime::text::SourceRange| json!({"physicalLocation": {"artifactLocation": {"uri": report.display_path(path), "uriBaseId": "SRCROOT"}, "region": region(r)}});
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str(&format!(" (help: {h})"));
            }
            let mut v = json!({
                "ruleId": d.rule.code,
                "ruleIndex": rule_index(d.rule.code),
                "level": level(d.severity),
                "message": {"text": text},
                "locations": [location(&d.path, &d.range)],
            });
            if !d.related.is_empty() {
                let rel: Vec<Value> = d
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let mut l = location(&r.path, &r.range);
                        l["id"] = json!(i);
                        l["message"] = json!({"text": r.message});
                        l
                    })
                    .collect();
                v["relatedLocations"] = Value::Array(rel);
            }
            v
        })
        .collect();
    let root_uri = format!(
        "file://{}/",
        report.root.to_string_lossy().trim_end_matches('/')
    );
    let out = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "skills-lsp",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/skills-lsp/skills-lsp",
                "rules": rules_json,
            }},
            "originalUriBaseIds": {"SRCROOT": {"uri": root_uri}},
            "columnKind": "utf16CodeUnits",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&out).expect("serializable");
    s.push('\n');
    s
}
