//! Semantic tokens: every mention of the document, resolved or not.

use skills_runtime::check::Workspace;

use super::cursor;
use super::{Document, SemanticToken, TokenKind};

/// Whether a mention resolves, without building did-you-mean dictionaries: a token per mention
/// of a large document must stay cheap.
pub(crate) fn resolves(ws: &Workspace, namespace: &str, name: &str) -> bool {
    if ws.index.discovered_without_config {
        return ws.index.skills.iter().any(|s| s.name == name);
    }
    ws.index.lookup(namespace, name).is_some()
}

/// One token per mention occurrence, in document order.
pub fn semantic_tokens(ws: &Workspace, doc: Document) -> Vec<SemanticToken> {
    cursor::mentions_in(doc.text)
        .into_iter()
        .map(|m| SemanticToken {
            range: m.range,
            kind: if resolves(ws, &m.namespace, &m.skill_name) {
                TokenKind::MentionResolved
            } else {
                TokenKind::MentionUnresolved
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::TestWorkspace;
    use super::*;
    use skills_runtime::text::TextRange;

    #[test]
    fn mentions_are_marked_resolved_or_not() {
        let t = TestWorkspace::one_space();
        t.skill("skills/writer", "writer", "Writes.");
        let ws = t.check();
        let text = "é $[acme:docs].writer\r\n$[acme:docs].nope $[other].writer";
        let tokens = semantic_tokens(&ws, t.doc("notes.md", text));
        let kinds: Vec<_> = tokens.iter().map(|t| t.kind).collect();
        assert_eq!(
            kinds,
            [
                TokenKind::MentionResolved,
                TokenKind::MentionUnresolved,
                TokenKind::MentionUnresolved
            ]
        );
        assert_eq!(tokens[0].range, TextRange::new(3, 22));
    }
}
