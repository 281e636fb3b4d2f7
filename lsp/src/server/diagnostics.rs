//! The runtime's diagnostics as LSP diagnostics: code, a link to the rule's documentation,
//! `source: "skills-lsp"`, severity, the help sentence, and related locations (the other side
//! of a duplicate, the mentions a blocked scan affects).

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::str::FromStr;

use skills_runtime::diagnostic::{Diagnostic, Severity};
use skills_runtime::rules;
use tower_lsp_server::ls_types::{
    self as lsp, CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Uri,
};

use crate::session::{Live, Session};
use crate::text::source_range;

pub(crate) const SOURCE: &str = "skills-lsp";

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

pub(crate) fn to_lsp(d: &Diagnostic, session: &Session) -> lsp::Diagnostic {
    let encoding = session.features().encoding;
    let message = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    };
    let related: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|r| {
            Some(DiagnosticRelatedInformation {
                location: Location::new(
                    session.uri_for(&r.path)?,
                    source_range(&r.range, encoding),
                ),
                message: r.message.clone(),
            })
        })
        .collect();
    lsp::Diagnostic {
        range: source_range(&d.range, encoding),
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.rule.code.to_string())),
        code_description: Uri::from_str(&rules::doc_url(d.rule))
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// Everything shown in one file: its diagnostics, and a broken `skills-lsp.toml`.
pub(crate) fn for_path(live: &Live, path: &Path, session: &Session) -> Vec<lsp::Diagnostic> {
    let encoding = session.features().encoding;
    let mut out: Vec<lsp::Diagnostic> = live
        .ws
        .diagnostics_for(path)
        .iter()
        .map(|d| to_lsp(d, session))
        .collect();
    if let Some(p) = live.settings_problem.as_ref().filter(|p| p.path == path) {
        out.push(lsp::Diagnostic {
            range: source_range(&p.range, encoding),
            severity: Some(DiagnosticSeverity::ERROR),
            source: Some(SOURCE.to_string()),
            message: p.message.clone(),
            ..Default::default()
        });
    }
    out
}

/// A stable fingerprint of a diagnostics list (result ids, skipping unchanged publishes).
pub(crate) fn fingerprint(items: &[lsp::Diagnostic]) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(items)
        .unwrap_or_default()
        .hash(&mut h);
    format!("{:016x}", h.finish())
}
