//! `textDocument/semanticTokens/full`: mentions, resolved or not. Legend: one token type,
//! `function` (a skill is something to invoke), and the modifier `unresolved`.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::{Server, guarded};
use crate::ide::{self, TokenKind};

pub(crate) fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: vec![SemanticTokenType::FUNCTION],
        token_modifiers: vec![SemanticTokenModifier::new("unresolved")],
    }
}

pub(super) async fn handle(
    server: &Server,
    params: SemanticTokensParams,
) -> Result<Option<SemanticTokensResult>> {
    let Some(doc) = server.document(&params.text_document.uri).await else {
        return Ok(None);
    };
    let mut tokens = guarded("semanticTokens", || {
        let live = doc.root.read();
        ide::semantic_tokens(&live.ws, doc.ide())
    })?;
    tokens.sort_by_key(|t| t.range.start);
    let mut data = Vec::with_capacity(tokens.len());
    let (mut line, mut start) = (0u32, 0u32);
    for t in tokens {
        let from = doc.position(t.range.start);
        let to = doc.position(t.range.end);
        if to.line != from.line || to.character <= from.character {
            // Tokens cannot span lines; mentions never do.
            continue;
        }
        let delta_line = from.line - line;
        let delta_start = if delta_line == 0 {
            from.character - start
        } else {
            from.character
        };
        data.push(SemanticToken {
            delta_line,
            delta_start,
            length: to.character - from.character,
            token_type: 0,
            token_modifiers_bitset: u32::from(t.kind == TokenKind::MentionUnresolved),
        });
        line = from.line;
        start = from.character;
    }
    Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data,
    })))
}
