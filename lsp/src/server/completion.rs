//! `textDocument/completion`: mentions (namespaces segment by segment, skills, whole
//! mentions after `$`), frontmatter and `runtime.yaml` keys and values. Every item replaces
//! the whole partial token; inserting a namespace asks the client to complete again.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::{Server, guarded};
use crate::ide::{self, CompletionKind};

pub(crate) const TRIGGER_CHARACTERS: &[&str] = &["$", "[", ":", "."];

fn kind(k: CompletionKind) -> CompletionItemKind {
    match k {
        CompletionKind::Namespace => CompletionItemKind::MODULE,
        CompletionKind::Skill => CompletionItemKind::FUNCTION,
        CompletionKind::Mention => CompletionItemKind::REFERENCE,
        CompletionKind::Key => CompletionItemKind::PROPERTY,
        CompletionKind::Value => CompletionItemKind::VALUE,
    }
}

pub(super) async fn handle(
    server: &Server,
    params: CompletionParams,
) -> Result<Option<CompletionResponse>> {
    let at = params.text_document_position;
    let Some(doc) = server.document(&at.text_document.uri).await else {
        return Ok(None);
    };
    let markdown = server.session.features().completion_markdown;
    let list = guarded("completion", || {
        let live = doc.root.read();
        ide::completion_list(&live.ws, doc.ide(), doc.offset(at.position))
    })?;
    let items = list
        .items
        .into_iter()
        .map(|c| CompletionItem {
            label: c.label,
            kind: Some(kind(c.kind)),
            detail: c.detail,
            documentation: c.documentation.map(|value| {
                Documentation::MarkupContent(MarkupContent {
                    kind: if markdown {
                        MarkupKind::Markdown
                    } else {
                        MarkupKind::PlainText
                    },
                    value,
                })
            }),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                doc.range(c.replace),
                c.new_text,
            ))),
            filter_text: c.filter_text,
            sort_text: c.sort_text,
            command: c.retrigger.then(|| Command {
                title: "complete again".into(),
                command: "editor.action.triggerSuggest".into(),
                arguments: None,
            }),
            ..Default::default()
        })
        .collect();
    Ok(Some(CompletionResponse::List(CompletionList {
        is_incomplete: list.incomplete,
        items,
    })))
}
