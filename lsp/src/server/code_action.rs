//! `textDocument/codeAction`: the features' quick fixes for the diagnostics under the range
//! (taken from the workspace, so they match what was published), and "disable rule for this
//! file". Actions the client cannot apply (file creation without support) are left out.

use skills_runtime::text::TextRange;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::workspace_edit::to_workspace_edit;
use super::{Server, guarded};
use crate::ide::{self, ActionKind};

fn kind(k: ActionKind) -> CodeActionKind {
    match k {
        ActionKind::QuickFix => CodeActionKind::QUICKFIX,
    }
}

pub(super) async fn handle(
    server: &Server,
    params: CodeActionParams,
) -> Result<Option<CodeActionResponse>> {
    let Some(doc) = server.document(&params.text_document.uri).await else {
        return Ok(None);
    };
    let start = doc.offset(params.range.start);
    let end = doc.offset(params.range.end);
    let range = TextRange::new(start.min(end), start.max(end));
    let (actions, analyzed) = guarded("codeAction", || {
        let live = doc.root.read();
        let under: Vec<&skills_runtime::diagnostic::Diagnostic> = live
            .ws
            .diagnostics_for(&doc.path)
            .iter()
            .filter(|d| d.range.bytes.start <= range.end && range.start <= d.range.bytes.end)
            .collect();
        let actions = ide::code_actions(&live.ws, doc.ide(), range, &under);
        (actions, live.versions.clone())
    })?;
    let only = params.context.only.as_deref();
    let wanted = |k: &CodeActionKind| {
        only.is_none_or(|only| {
            only.iter().any(|o| {
                k.as_str() == o.as_str() || k.as_str().starts_with(&format!("{}.", o.as_str()))
            })
        })
    };
    let mut out = Vec::new();
    for a in actions {
        let kind = kind(a.kind);
        if !wanted(&kind) {
            continue;
        }
        let edit = match to_workspace_edit(&server.session, &a.change, &analyzed) {
            Ok(edit) => edit,
            Err(why) => {
                tracing::debug!("code action `{}` left out: {why}", a.title);
                continue;
            }
        };
        // The client's own diagnostics this action answers (same code, overlapping).
        let diagnostics: Vec<Diagnostic> = params
            .context
            .diagnostics
            .iter()
            .filter(|d| {
                a.diagnostic_code
                    .is_some_and(|code| d.code == Some(NumberOrString::String(code.to_string())))
            })
            .cloned()
            .collect();
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: a.title,
            kind: Some(kind),
            diagnostics: (!diagnostics.is_empty()).then_some(diagnostics),
            edit: Some(edit),
            is_preferred: a.preferred.then_some(true),
            ..Default::default()
        }));
    }
    Ok(Some(out))
}
