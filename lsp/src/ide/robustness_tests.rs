//! Every feature on awkward documents, at every offset (inside multi-byte characters and past
//! the end included), with diagnostics from an older version of the text: nothing panics.

use super::test_support::TestWorkspace;
use super::*;
use skills_runtime::diagnostic::Diagnostic;

const TEXTS: &[&str] = &[
    "é $[Acme:Docs].Writr and $[a:docs].writer\n$]x[ $ [acme:docs] . writer $[acme:docs].wriéter\n",
    "---\nname: wrïter\ndescription: Wé: x\nactions:\n  a: {argv: [x, actions/ü.sh]}\n---\n# Tïtle\n[é](references/é.md) $[acme:docs].😀\n",
    "---\r\nname: writer\r\ndescription: d\r\n---\r\n## é\r\n$[acme:docs].writer\r",
    "skills:\n  spaces:\n    - {id: ü, namespace: \"acme:docs\", sources: [fs]}\nsandbox: {os: {mode: é}}\n",
    "$[",
    "$[acme:docs].",
    "]].$[[é$[ä:ö].ü",
    "---\n: é\n  - ü\n---",
    "\u{2028}$[acme:docs].writer\u{85}é",
];

fn every_feature(t: &TestWorkspace, rel: &str, text: &str) {
    let ws = t.check();
    let doc = t.doc(rel, text);
    for offset in 0..=text.len() + 2 {
        let _ = completion_list(&ws, doc, offset);
        let _ = hover(&ws, doc, offset);
        let _ = definition(&ws, doc, offset);
        let _ = references(&ws, doc, offset, true);
        let _ = prepare_rename(&ws, doc, offset);
        let _ = rename(&ws, doc, offset, "new-name");
    }
    let _ = document_symbols(doc);
    let _ = semantic_tokens(&ws, doc);
    let _ = document_links(&ws, doc);
    let _ = workspace_symbols(&ws, "é");
    let diagnostics: Vec<&Diagnostic> = ws.diagnostics.iter().collect();
    // The buffer has changed since the check: shorter texts, ranges past their end.
    for skip in [0, 1, 3, 8] {
        let newer: String = text.chars().skip(skip).collect();
        let doc = t.doc(rel, &newer);
        let _ = code_actions(&ws, doc, TextRange::new(0, newer.len()), &diagnostics);
    }
}

#[test]
fn no_feature_panics_at_any_offset_or_with_stale_diagnostics() {
    for text in TEXTS {
        for rel in ["notes.md", "skills/writer/SKILL.md", "config/runtime.yaml"] {
            let t = TestWorkspace::one_space();
            t.skill("skills/writer", "writer", "Wé.");
            t.file(rel, text);
            every_feature(&t, rel, text);
        }
    }
}
