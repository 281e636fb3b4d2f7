//! `--format json`: `{"version":1,"summary":{...},"diagnostics":[...]}` with 0-based lines and
//! UTF-16 characters as in LSP. Serialized straight from borrowed views of the diagnostics,
//! so a 10,000-finding report costs no intermediate JSON tree.

use serde::Serialize;
use skills_runtime::diagnostic::{Diagnostic, Severity};
use skills_runtime::text::SourceRange;

use super::Report;

#[derive(Serialize)]
struct Position {
    line: u32,
    character: u32,
}

#[derive(Serialize)]
pub struct Range {
    start: Position,
    end: Position,
}

impl From<&SourceRange> for Range {
    fn from(r: &SourceRange) -> Self {
        Range {
            start: Position {
                line: r.start.line,
                character: r.start.utf16,
            },
            end: Position {
                line: r.end.line,
                character: r.end.utf16,
            },
        }
    }
}

// Field order is the output order: fixed, so the output is stable and easy to diff.
#[derive(Serialize)]
struct JsonRelated<'a> {
    message: &'a str,
    path: String,
    range: Range,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    message: &'a str,
    path: String,
    range: Range,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<JsonRelated<'a>>,
    rule: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    runtime_code: Option<&'static str>,
    severity: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    skills: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    summary: Summary,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

fn view<'a>(report: &Report, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
    JsonDiagnostic {
        code: d.rule.code,
        help: d.help.as_deref(),
        message: &d.message,
        path: report.display_path(&d.path),
        range: (&d.range).into(),
        related: d
            .related
            .iter()
            .map(|r| JsonRelated {
                message: &r.message,
                path: report.display_path(&r.path),
                range: (&r.range).into(),
            })
            .collect(),
        rule: d.rule.name,
        runtime_code: d.rule.runtime_code,
        severity: d.severity.as_str(),
    }
}

pub fn render(report: &Report) -> String {
    let out = JsonReport {
        diagnostics: report.diagnostics.iter().map(|d| view(report, d)).collect(),
        summary: Summary {
            files: report.files,
            skills: report.skills,
            errors: report.count(Severity::Error),
            warnings: report.count(Severity::Warning),
            infos: report.count(Severity::Info),
        },
        version: 1,
    };
    let mut s = serde_json::to_string_pretty(&out).expect("serializable");
    s.push('\n');
    s
}
