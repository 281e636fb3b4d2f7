//! One scenario per editor feature: completion, hover, definition, references, rename, code
//! actions, symbols, semantic tokens and document links.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use skills_lsp_tests::lsp_text::{Pos, file_uri, pos_of, slice};

use crate::support::{
    Session, accept_completion, codes, completion_items, decode_tokens, hover_text, locations,
    standard_workspace,
};

// --- completion ------------------------------------------------------------------------------

fn complete(s: &mut Session, uri: &str, pos: Pos) -> Vec<Value> {
    let r = s.at(
        "textDocument/completion",
        uri,
        pos,
        json!({"context": {"triggerKind": 1}}),
    );
    completion_items(&r)
}

/// Completes at the end of `text` (a new Markdown note) and returns every item with the
/// text that accepting it produces.
fn complete_at_end(s: &mut Session, rel: &str, text: &str, root: &Path) -> Vec<(Value, String)> {
    let uri = s.open(&root.join(rel), text);
    let pos = s.doc(&uri).pos(text.len());
    complete_with_results(s, &uri, pos)
}

fn complete_with_results(s: &mut Session, uri: &str, pos: Pos) -> Vec<(Value, String)> {
    let items = complete(s, uri, pos);
    let text = s.text(uri).to_owned();
    let enc = s.enc();
    items
        .into_iter()
        .map(|i| {
            let after = accept_completion(&text, &i, enc);
            (i, after)
        })
        .collect()
}

fn show(results: &[(Value, String)]) -> String {
    results
        .iter()
        .map(|(i, after)| format!("  {} -> {after:?}", i["label"]))
        .collect::<Vec<_>>()
        .join("\n")
}

fn labels(results: &[(Value, String)]) -> Vec<String> {
    results
        .iter()
        .map(|(i, _)| i["label"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The item's documentation, resolving the item first when the server defers it.
fn documentation(s: &mut Session, item: &Value) -> String {
    let item = if item.get("documentation").is_none()
        && s.init["capabilities"]["completionProvider"]["resolveProvider"] == true
    {
        s.client.request("completionItem/resolve", item.clone())
    } else {
        item.clone()
    };
    match &item["documentation"] {
        Value::String(t) => t.clone(),
        d => d["value"].as_str().unwrap_or_default().to_owned(),
    }
}

#[test]
fn completion_inside_brackets_offers_namespaces_segment_by_segment() {
    let ws = standard_workspace("complete-ns");
    let mut s = Session::start(&[&ws.root]);
    let r = complete_at_end(&mut s, "notes/a.md", "Use $[", &ws.root);
    for want in ["Use $[acme", "Use $[ops"] {
        assert!(
            r.iter().any(|(_, after)| after.starts_with(want)),
            "after `$[`, nothing completes to {want:?}:\n{}",
            show(&r)
        );
    }
    let r = complete_at_end(&mut s, "notes/b.md", "Use $[acme:", &ws.root);
    for want in ["Use $[acme:docs", "Use $[acme:data"] {
        assert!(
            r.iter().any(|(_, after)| after.starts_with(want)),
            "after `$[acme:`, nothing completes to {want:?}:\n{}",
            show(&r)
        );
    }
    assert!(
        r.iter().all(|(_, after)| !after.contains("acme:acme")),
        "the typed segment is replaced, not repeated:\n{}",
        show(&r)
    );
    // A partial segment is replaced whole.
    let r = complete_at_end(&mut s, "notes/c.md", "Use $[acme:do", &ws.root);
    assert!(
        r.iter()
            .any(|(_, after)| after.starts_with("Use $[acme:docs") && !after.contains("dodocs")),
        "`$[acme:do` does not complete to `$[acme:docs`:\n{}",
        show(&r)
    );
    s.shutdown();
}

#[test]
fn completion_after_the_namespace_offers_its_skills_with_descriptions() {
    let ws = standard_workspace("complete-skill");
    let mut s = Session::start(&[&ws.root]);
    let r = complete_at_end(&mut s, "notes/a.md", "Use $[acme:docs].", &ws.root);
    let names = labels(&r);
    for want in ["article-writer", "fact-checker", "style-guide"] {
        assert!(
            r.iter()
                .any(|(_, after)| after == &format!("Use $[acme:docs].{want}")),
            "{want} missing after `$[acme:docs].`:\n{}",
            show(&r)
        );
    }
    for other in ["csv-loader", "incident-review"] {
        assert!(
            !names.iter().any(|l| l.contains(other)),
            "{other} is not in acme:docs: {names:?}"
        );
    }
    let item = r
        .iter()
        .find(|(_, after)| after.ends_with("article-writer"))
        .unwrap()
        .0
        .clone();
    let doc = documentation(&mut s, &item);
    assert!(
        doc.contains("Writes long-form articles in the house style."),
        "description as documentation: {item}"
    );
    s.shutdown();
}

#[test]
fn completion_replaces_the_whole_partial_skill_name() {
    let ws = standard_workspace("complete-partial");
    let mut s = Session::start(&[&ws.root]);
    let text = "Use $[acme:docs].arti-wr now.\n";
    let uri = s.open(&ws.root.join("notes/a.md"), text);
    let pos = pos_of(text, "arti-wr", 4, s.enc()); // cursor after `arti`
    let r = complete_with_results(&mut s, &uri, pos);
    assert!(
        r.iter()
            .any(|(_, after)| after == "Use $[acme:docs].article-writer now.\n"),
        "accepting article-writer must replace all of `arti-wr`:\n{}",
        show(&r)
    );
    s.shutdown();
}

#[test]
fn completion_on_dollar_offers_full_mentions() {
    let ws = standard_workspace("complete-dollar");
    let mut s = Session::start(&[&ws.root]);
    let r = complete_at_end(&mut s, "notes/a.md", "Then use $", &ws.root);
    for want in [
        "Then use $[acme:docs].article-writer",
        "Then use $[acme:data].csv-loader",
        "Then use $[ops].incident-review",
    ] {
        assert!(
            r.iter().any(|(_, after)| after == want),
            "`$` does not complete to {want:?}:\n{}",
            show(&r)
        );
    }
    s.shutdown();
}

#[test]
fn completion_in_frontmatter_offers_keys_and_the_directory_name() {
    let ws = standard_workspace("complete-fm");
    let mut s = Session::start(&[&ws.root]);
    let path = ws.root.join("library/docs/style-guide/SKILL.md");
    let text = "---\nname: \ndescription: d\n---\n# Style\n";
    let uri = s.open(&path, text);
    let r = complete_with_results(&mut s, &uri, Pos::new(1, 6));
    assert!(
        r.iter()
            .any(|(_, after)| after.starts_with("---\nname: style-guide\n")),
        "the name value completes to the directory name:\n{}",
        show(&r)
    );
    s.replace(&uri, "name: \n", "name: style-guide\nm\n");
    let r = complete_with_results(&mut s, &uri, Pos::new(2, 1));
    assert!(
        r.iter()
            .any(|(_, after)| after.starts_with("---\nname: style-guide\nmetadata")),
        "`m` completes to the metadata key:\n{}",
        show(&r)
    );
    s.shutdown();
}

#[test]
fn completion_in_runtime_yaml_offers_schema_keys_and_source_ids() {
    let ws = standard_workspace("complete-config");
    let mut s = Session::start(&[&ws.root]);
    let path = ws.root.join("config/runtime.yaml");
    let config = std::fs::read_to_string(&path).unwrap();
    let text = format!("{config}  sc");
    let uri = s.open(&path, &text);
    let end = s.doc(&uri).pos(text.len());
    let r = complete_with_results(&mut s, &uri, end);
    assert!(
        r.iter()
            .any(|(_, after)| after.starts_with(&format!("{config}  scan"))),
        "`sc` in the skills section completes to `scan`:\n{}",
        show(&r)
    );
    s.close(&uri);

    let text = config.replace("sources: [data-lib]", "sources: []");
    let uri = s.open(&path, &text);
    let pos = pos_of(&text, "sources: []", "sources: [".len(), s.enc());
    let r = complete_with_results(&mut s, &uri, pos);
    let names = labels(&r);
    for id in ["docs-lib", "data-lib", "ops-lib"] {
        assert!(
            names.iter().any(|l| l == id),
            "source id {id} inside `sources: []`: {names:?}"
        );
    }
    s.shutdown();
}

// --- hover -----------------------------------------------------------------------------------

#[test]
fn hover_on_a_mention_describes_the_skill() {
    let ws = standard_workspace("hover");
    let mut s = Session::start(&[&ws.root]);
    let uri = s.open_disk(&ws.root.join("library/docs/fact-checker/SKILL.md"));
    let pos = s.pos(&uri, "article-writer", 3);
    let h = s.at("textDocument/hover", &uri, pos, json!({}));
    let md = hover_text(&h);
    for want in [
        "article-writer",
        "acme:docs",
        "Writes long-form articles in the house style.",
        "article-writer/SKILL.md",
        "docs-lib",
    ] {
        assert!(md.contains(want), "hover lacks {want:?}:\n{md}");
    }
    let range = &h["range"];
    assert_eq!(
        slice(s.text(&uri), range, s.enc()),
        "$[acme:docs].article-writer",
        "hover range: {h}"
    );
    s.shutdown();
}

#[test]
fn hover_on_an_unresolved_mention_says_why() {
    let ws = standard_workspace("hover-unresolved");
    let mut s = Session::start(&[&ws.root]);
    let text = "See $[acme:docs].article-writr and $[zz:top].thing.\n";
    let uri = s.open(&ws.root.join("notes/a.md"), text);
    let h = s.at(
        "textDocument/hover",
        &uri,
        s.pos(&uri, "writr", 0),
        json!({}),
    );
    let md = hover_text(&h).to_lowercase();
    assert!(md.contains("article-writr"), "{md}");
    assert!(
        [
            "no skill",
            "not found",
            "unknown",
            "does not",
            "not resolve"
        ]
        .iter()
        .any(|w| md.contains(w)),
        "the hover says why it does not resolve:\n{md}"
    );
    assert!(md.contains("article-writer"), "did you mean: {md}");
    let h = s.at(
        "textDocument/hover",
        &uri,
        s.pos(&uri, "thing", 0),
        json!({}),
    );
    let md = hover_text(&h).to_lowercase();
    assert!(
        md.contains("zz:top") && md.contains("not"),
        "unconfigured namespace:\n{md}"
    );
    s.shutdown();
}

#[test]
fn hover_on_frontmatter_and_config_keys_explains_them() {
    let ws = standard_workspace("hover-keys");
    let mut s = Session::start(&[&ws.root]);
    let uri = s.open_disk(&ws.root.join("library/docs/style-guide/SKILL.md"));
    let h = s.at("textDocument/hover", &uri, Pos::new(2, 3), json!({}));
    let md = hover_text(&h);
    assert!(
        md.to_lowercase().contains("description") && md.len() > 40,
        "hover on `description:`: {h}"
    );
    let path = ws.root.join("config/runtime.yaml");
    let text = format!(
        "{}  scan:\n    max_depth: 3\n",
        std::fs::read_to_string(&path).unwrap()
    );
    let uri = s.open(&path, &text);
    let h = s.at(
        "textDocument/hover",
        &uri,
        s.pos(&uri, "max_depth", 2),
        json!({}),
    );
    let md = hover_text(&h).to_lowercase();
    assert!(
        md.contains("depth") && md.len() > 40,
        "hover on max_depth: {h}"
    );
    s.shutdown();
}

// --- navigation ------------------------------------------------------------------------------

#[test]
fn definition_goes_from_a_mention_to_the_name_line_and_from_a_link_to_the_file() {
    let ws = standard_workspace("definition");
    let mut s = Session::start(&[&ws.root]);
    let uri = s.open_disk(&ws.root.join("library/docs/fact-checker/SKILL.md"));
    let r = s.at(
        "textDocument/definition",
        &uri,
        s.pos(&uri, "article-writer", 5),
        json!({}),
    );
    let locs = locations(&r);
    let target = ws.root.join("library/docs/article-writer/SKILL.md");
    assert_eq!(locs.len(), 1, "{r}");
    assert_eq!(locs[0].0, target, "{r}");
    assert_eq!(locs[0].1["start"]["line"], 1, "the name: line: {r}");

    let uri = s.open_disk(&target);
    let r = s.at(
        "textDocument/definition",
        &uri,
        s.pos(&uri, "references/tone.md", 3),
        json!({}),
    );
    let locs = locations(&r);
    assert_eq!(
        locs.first().map(|l| l.0.clone()),
        Some(
            ws.root
                .join("library/docs/article-writer/references/tone.md")
        ),
        "{r}"
    );
    s.shutdown();
}

fn expected_refs(root: &Path) -> Vec<PathBuf> {
    let mut v = vec![
        root.join("library/docs/fact-checker/SKILL.md"),
        root.join("library/ops/incident-review/SKILL.md"),
        root.join("notes/plan.md"),
    ];
    v.sort();
    v
}

#[test]
fn references_find_every_mention_open_or_not() {
    let ws = standard_workspace("references");
    let mut s = Session::start(&[&ws.root]);
    let enc = s.enc();
    let from_mention = s.open_disk(&ws.root.join("library/docs/fact-checker/SKILL.md"));
    let pos = s.pos(&from_mention, "article-writer", 2);
    let r = s.at(
        "textDocument/references",
        &from_mention,
        pos,
        json!({"context": {"includeDeclaration": false}}),
    );
    let locs = locations(&r);
    let mut files: Vec<PathBuf> = locs.iter().map(|l| l.0.clone()).collect();
    files.sort();
    assert_eq!(files, expected_refs(&ws.root), "{r}");
    for (path, range) in &locs {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(
            slice(&text, range, enc).ends_with("article-writer"),
            "{}: range {range} is {:?}",
            path.display(),
            slice(&text, range, enc)
        );
    }

    // From the declaration, with the declaration included.
    let decl = ws.root.join("library/docs/article-writer/SKILL.md");
    let uri = s.open_disk(&decl);
    let r = s.at(
        "textDocument/references",
        &uri,
        s.pos(&uri, "article-writer", 1),
        json!({"context": {"includeDeclaration": true}}),
    );
    let mut files: Vec<PathBuf> = locations(&r).into_iter().map(|l| l.0).collect();
    files.sort();
    let mut want = expected_refs(&ws.root);
    want.push(decl);
    want.sort();
    assert_eq!(files, want, "{r}");
    s.shutdown();
}

// --- rename ----------------------------------------------------------------------------------

#[test]
fn prepare_rename_on_a_mention_offers_the_skill_name() {
    let ws = standard_workspace("prepare-rename");
    let mut s = Session::start(&[&ws.root]);
    let uri = s.open_disk(&ws.root.join("library/docs/fact-checker/SKILL.md"));
    let r = s.at(
        "textDocument/prepareRename",
        &uri,
        s.pos(&uri, "article-writer", 4),
        json!({}),
    );
    let range = if r.get("range").is_some() {
        &r["range"]
    } else {
        &r
    };
    assert!(
        slice(s.text(&uri), range, s.enc()).ends_with("article-writer"),
        "{r}"
    );
    if let Some(p) = r.get("placeholder") {
        assert_eq!(p, "article-writer", "{r}");
    }
    // Plain text is not renameable.
    let r = s.client.request_result(
        "textDocument/prepareRename",
        json!({"textDocument": {"uri": uri}, "position": s.pos(&uri, "Hand the", 1).to_json()}),
    );
    assert!(
        matches!(&r, Ok(Value::Null)) || r.is_err(),
        "prepareRename on plain text: {r:?}"
    );
    s.shutdown();
}

fn assert_renamed_everywhere(s: &Session, edit: &Value, root: &Path) {
    let applied = s.apply_edit(edit);
    let old_dir = root.join("library/docs/article-writer");
    let new_dir = root.join("library/docs/essay-writer");
    assert!(
        applied.renames.contains(&(old_dir, new_dir.clone())),
        "the directory is renamed: {:?}\n{edit}",
        applied.renames
    );
    let skill = applied
        .texts
        .get(&new_dir.join("SKILL.md"))
        .unwrap_or_else(|| panic!("SKILL.md edited and moved: {edit}"));
    assert!(
        skill.contains("\nname: essay-writer\n") && !skill.contains("name: article-writer"),
        "{skill}"
    );
    for (rel, want) in [
        (
            "library/docs/fact-checker/SKILL.md",
            "$[acme:docs].essay-writer when",
        ),
        (
            "library/ops/incident-review/SKILL.md",
            "$[acme:docs].essay-writer.",
        ),
        ("notes/plan.md", "Use $[acme:docs].essay-writer, then"),
    ] {
        let t = applied
            .texts
            .get(&root.join(rel))
            .unwrap_or_else(|| panic!("{rel} not edited: {edit}"));
        assert!(t.contains(want), "{rel}: {t}");
        assert!(!t.contains("article-writer"), "{rel}: {t}");
    }
}

#[test]
fn rename_from_a_mention_renames_frontmatter_mentions_and_directory() {
    let ws = standard_workspace("rename-mention");
    let mut s = Session::start(&[&ws.root]);
    let uri = s.open_disk(&ws.root.join("library/docs/fact-checker/SKILL.md"));
    let edit = s.at(
        "textDocument/rename",
        &uri,
        s.pos(&uri, "article-writer", 4),
        json!({"newName": "essay-writer"}),
    );
    assert_renamed_everywhere(&s, &edit, &ws.root);
    s.shutdown();
}

#[test]
fn rename_from_the_name_line() {
    let ws = standard_workspace("rename-name");
    let mut s = Session::start(&[&ws.root]);
    let uri = s.open_disk(&ws.root.join("library/docs/article-writer/SKILL.md"));
    let edit = s.at(
        "textDocument/rename",
        &uri,
        s.pos(&uri, "article-writer", 2),
        json!({"newName": "essay-writer"}),
    );
    assert_renamed_everywhere(&s, &edit, &ws.root);
    s.shutdown();
}

#[test]
fn rename_keeps_a_directory_whose_name_differs() {
    let ws = standard_workspace("rename-keep-dir");
    ws.file(
        "library/ops/oncall/SKILL.md",
        "---\nname: pager-duty\ndescription: Handles pages.\n---\n",
    )
    .file("notes/oncall.md", "Escalate with $[ops].pager-duty.\n");
    let mut s = Session::start(&[&ws.root]);
    let uri = s.open_disk(&ws.root.join("library/ops/oncall/SKILL.md"));
    let edit = s.at(
        "textDocument/rename",
        &uri,
        s.pos(&uri, "pager-duty", 1),
        json!({"newName": "pager-rota"}),
    );
    let applied = s.apply_edit(&edit);
    assert!(applied.renames.is_empty(), "{edit}");
    let skill = &applied.texts[&ws.root.join("library/ops/oncall/SKILL.md")];
    assert!(skill.contains("name: pager-rota"), "{skill}");
    assert!(
        applied.texts[&ws.root.join("notes/oncall.md")].contains("$[ops].pager-rota."),
        "{edit}"
    );
    s.shutdown();
}

#[test]
fn rename_refuses_invalid_names_with_the_reason() {
    let ws = standard_workspace("rename-invalid");
    let mut s = Session::start(&[&ws.root]);
    let uri = s.open_disk(&ws.root.join("library/docs/fact-checker/SKILL.md"));
    let pos = s.pos(&uri, "article-writer", 4);
    for bad in ["Essay Writer", "x", "-lead", "fact-checker"] {
        let r = s.client.request_result(
            "textDocument/rename",
            json!({"textDocument": {"uri": uri}, "position": pos.to_json(), "newName": bad}),
        );
        let err = r.expect_err(&format!("renaming to {bad:?} must be refused"));
        let msg = err["message"].as_str().unwrap_or_default();
        assert!(msg.len() > 10, "a reason for {bad:?}: {err}");
    }
    s.shutdown();
}

// --- code actions ----------------------------------------------------------------------------

/// Code actions for `diag` in `uri`, with edits resolved.
fn actions_for(s: &mut Session, uri: &str, diag: &Value) -> Vec<Value> {
    let r = s.client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri},
            "range": diag["range"],
            "context": {"diagnostics": [diag], "triggerKind": 1}
        }),
    );
    let mut out = Vec::new();
    for a in r.as_array().cloned().unwrap_or_default() {
        if a.get("edit").is_none()
            && a.get("command").is_none_or(|c| !c.is_string())
            && a.get("data").is_some()
        {
            out.push(s.client.request("codeAction/resolve", a));
        } else {
            out.push(a);
        }
    }
    out
}

fn titles(actions: &[Value]) -> Vec<String> {
    actions
        .iter()
        .map(|a| format!("{} [{}]", a["title"], a["kind"]))
        .collect()
}

/// Opens `text`, finds the diagnostic `code`, applies the quick fix whose title contains
/// `title_part` (case-insensitive), and returns the new text.
fn apply_quick_fix(s: &mut Session, uri: &str, code: &str, title_part: &str) -> String {
    let diags = s.diagnostics(uri);
    let Some(diag) = diags.iter().find(|d| d["code"] == code).cloned() else {
        let v = s.version(uri);
        s.client
            .fail(&format!("no {code} for version {v} of {uri}: {diags:?}"))
    };
    let actions = actions_for(s, uri, &diag);
    let fix = actions
        .iter()
        .find(|a| {
            a["kind"] == "quickfix"
                && a["title"]
                    .as_str()
                    .is_some_and(|t| t.to_lowercase().contains(&title_part.to_lowercase()))
        })
        .unwrap_or_else(|| {
            panic!(
                "no quick fix with {title_part:?} for {code}: {:?}",
                titles(&actions)
            )
        })
        .clone();
    let path = skills_lsp_tests::lsp_text::uri_path(uri).unwrap();
    let applied = s.apply_edit(&fix["edit"]);
    applied
        .texts
        .get(&path)
        .cloned()
        .unwrap_or_else(|| panic!("the fix does not edit {uri}: {fix}"))
}

/// After replacing the document with `fixed`, the diagnostic `code` is gone.
fn assert_fixed(s: &mut Session, uri: &str, fixed: &str, code: &str) {
    s.change(uri, vec![json!({"text": fixed})]);
    let d = s.diagnostics(uri);
    assert!(
        !codes(&d).contains(&code.to_owned()),
        "{code} remains after its quick fix; text {fixed:?}: {d:?}"
    );
}

#[test]
fn quick_fix_did_you_mean_repairs_an_unknown_mention() {
    let ws = standard_workspace("fix-did-you-mean");
    let mut s = Session::start(&[&ws.root]);
    let uri = s.open(
        &ws.root.join("notes/a.md"),
        "Try $[acme:docs].article-writr now.\n",
    );
    let fixed = apply_quick_fix(&mut s, &uri, "SK301", "article-writer");
    assert_eq!(fixed, "Try $[acme:docs].article-writer now.\n");
    assert_fixed(&mut s, &uri, &fixed, "SK301");
    s.shutdown();
}

#[test]
fn quick_fix_repairs_a_near_miss_mention() {
    let ws = standard_workspace("fix-near-miss");
    let mut s = Session::start(&[&ws.root]);
    let uri = s.open(
        &ws.root.join("notes/a.md"),
        "Try $[acme:docs].Style-guide now.\n",
    );
    let diags = s.diagnostics(&uri);
    let diag = diags
        .iter()
        .find(|d| d["code"] == "SK303" || d["code"] == "SK304")
        .unwrap_or_else(|| panic!("no near-miss diagnostic: {diags:?}"))
        .clone();
    let actions = actions_for(&mut s, &uri, &diag);
    let fix = actions.iter().find(|a| {
        a["kind"] == "quickfix"
            && s.apply_edit(&a["edit"])
                .texts
                .values()
                .any(|t| t == "Try $[acme:docs].style-guide now.\n")
    });
    assert!(
        fix.is_some(),
        "no fix to `$[acme:docs].style-guide`: {:?}",
        titles(&actions)
    );
    s.shutdown();
}

#[test]
fn quick_fixes_for_frontmatter_values() {
    let ws = standard_workspace("fix-frontmatter");
    let mut s = Session::start(&[&ws.root]);
    // Each case in a skill of its own (a new file), so no document is closed and reopened.
    let path = |dir: &str| ws.root.join(format!("library/docs/{dir}/SKILL.md"));

    // A value YAML 1.1 reads as a boolean: quoted.
    let uri = s.open(
        &path("fix-bool"),
        "---\nname: fix-bool\ndescription: yes\n---\n",
    );
    let fixed = apply_quick_fix(&mut s, &uri, "SK111", "quote");
    assert!(
        fixed == "---\nname: fix-bool\ndescription: \"yes\"\n---\n"
            || fixed == "---\nname: fix-bool\ndescription: 'yes'\n---\n",
        "{fixed:?}"
    );
    assert_fixed(&mut s, &uri, &fixed, "SK111");

    // A colon that breaks the YAML: quoted.
    let uri = s.open(
        &path("fix-colon"),
        "---\nname: fix-colon\ndescription: Use this: always\n---\n",
    );
    let fixed = apply_quick_fix(&mut s, &uri, "SK104", "quote");
    assert_fixed(&mut s, &uri, &fixed, "SK104");
    assert!(fixed.contains("Use this: always"), "{fixed:?}");

    // An uppercase name: lowercased.
    let uri = s.open(
        &path("house-style"),
        "---\nname: House-Style\ndescription: d\n---\n",
    );
    let fixed = apply_quick_fix(&mut s, &uri, "SK109", "house-style");
    assert_eq!(fixed, "---\nname: house-style\ndescription: d\n---\n");
    assert_fixed(&mut s, &uri, &fixed, "SK109");

    // A missing description: added.
    let uri = s.open(
        &path("fix-missing"),
        "---\nname: fix-missing\n---\n# Style\n",
    );
    let fixed = apply_quick_fix(&mut s, &uri, "SK110", "description");
    assert!(fixed.contains("\ndescription:"), "{fixed:?}");
    assert_fixed(&mut s, &uri, &fixed, "SK110");
    s.shutdown();
}

#[test]
fn code_action_creates_the_missing_skill() {
    let ws = standard_workspace("fix-create");
    let mut s = Session::start(&[&ws.root]);
    let uri = s.open(
        &ws.root.join("notes/a.md"),
        "Try $[acme:docs].brand-new now.\n",
    );
    let diags = s.diagnostics(&uri);
    let diag = diags.iter().find(|d| d["code"] == "SK301").unwrap().clone();
    let actions = actions_for(&mut s, &uri, &diag);
    let created = actions
        .iter()
        .map(|a| s.apply_edit(&a["edit"]))
        .find(|e| !e.created.is_empty())
        .unwrap_or_else(|| panic!("no action creates a file: {:?}", titles(&actions)));
    let want = ws.root.join("library/docs/brand-new/SKILL.md");
    assert_eq!(created.created, vec![want.clone()]);
    let text = &created.texts[&want];
    assert!(
        text.starts_with("---\n")
            && text.contains("\nname: brand-new\n")
            && text.contains("\ndescription:"),
        "scaffolded SKILL.md: {text:?}"
    );
    // Written to disk and announced, the new skill resolves the mention.
    ws.file("library/docs/brand-new/SKILL.md", text);
    s.client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&want), "type": 1}]}),
    );
    s.client
        .wait_diagnostics_where(&uri, |p| p["diagnostics"] == json!([]));
    s.shutdown();
}

#[test]
fn code_action_disables_a_rule_for_the_file() {
    let ws = standard_workspace("fix-disable");
    let mut s = Session::start(&[&ws.root]);
    let uri = s.open(
        &ws.root.join("notes/a.md"),
        "Try $[acme:docs].brand-new now.\n",
    );
    let diags = s.diagnostics(&uri);
    let diag = diags.iter().find(|d| d["code"] == "SK301").unwrap().clone();
    let actions = actions_for(&mut s, &uri, &diag);
    let toml = ws.root.join("skills-lsp.toml");
    let (action, applied) = actions
        .iter()
        .map(|a| (a, s.apply_edit(&a["edit"])))
        .find(|(_, e)| e.texts.contains_key(&toml))
        .unwrap_or_else(|| panic!("no action edits skills-lsp.toml: {:?}", titles(&actions)));
    assert!(
        action["title"].as_str().unwrap().contains("SK301"),
        "{action}"
    );
    let text = &applied.texts[&toml];
    assert!(text.contains("include = [\"notes/**/*.md\"]"), "{text}");
    assert!(
        text.contains("[per-file-ignores]")
            && text.contains("notes/a.md")
            && text.contains("SK301"),
        "{text}"
    );
    // Saved, the rule is off for that file.
    std::fs::write(&toml, text).unwrap();
    s.client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&toml), "type": 2}]}),
    );
    s.client
        .wait_diagnostics_where(&uri, |p| p["diagnostics"] == json!([]));
    s.shutdown();
}

// --- symbols, tokens, links ------------------------------------------------------------------

fn find_symbol<'v>(symbols: &'v [Value], name: &str) -> Option<&'v Value> {
    for s in symbols {
        if s["name"] == name {
            return Some(s);
        }
        if let Some(found) = s["children"].as_array().and_then(|c| find_symbol(c, name)) {
            return Some(found);
        }
    }
    None
}

#[test]
fn document_symbols_list_frontmatter_fields_and_nested_headings() {
    let ws = standard_workspace("doc-symbols");
    let mut s = Session::start(&[&ws.root]);
    let uri = s.open_disk(&ws.root.join("library/docs/article-writer/SKILL.md"));
    let r = s.client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let symbols = r.as_array().cloned().unwrap_or_default();
    for field in ["name", "description"] {
        let f = find_symbol(&symbols, field).unwrap_or_else(|| panic!("{field} symbol: {r}"));
        assert!(f["selectionRange"].is_object(), "hierarchical symbols: {f}");
    }
    let name = find_symbol(&symbols, "name").unwrap();
    assert_eq!(name["range"]["start"]["line"], 1, "{name}");
    let h1 = find_symbol(&symbols, "Article writer").unwrap_or_else(|| panic!("heading: {r}"));
    assert_eq!(h1["range"]["start"]["line"], 4, "{h1}");
    assert!(
        find_symbol(h1["children"].as_array().map_or(&[], |v| v), "Usage").is_some(),
        "`## Usage` nests under `# Article writer`: {h1}"
    );
    s.shutdown();
}

#[test]
fn workspace_symbols_list_skills() {
    let ws = standard_workspace("ws-symbols");
    let mut s = Session::start(&[&ws.root]);
    let r = s
        .client
        .request("workspace/symbol", json!({"query": "writer"}));
    let found = r
        .as_array()
        .into_iter()
        .flatten()
        .find(|x| x["name"] == "article-writer")
        .unwrap_or_else(|| panic!("article-writer in {r}"));
    let path = skills_lsp_tests::lsp_text::uri_path(found["location"]["uri"].as_str().unwrap());
    assert_eq!(
        path,
        Some(ws.root.join("library/docs/article-writer/SKILL.md"))
    );
    assert!(
        found["containerName"]
            .as_str()
            .is_some_and(|c| c.contains("acme:docs")),
        "namespace as container: {found}"
    );
    let all = s.client.request("workspace/symbol", json!({"query": ""}));
    assert_eq!(all.as_array().map_or(0, Vec::len), 5, "{all}");
    s.shutdown();
}

#[test]
fn semantic_tokens_tell_resolved_from_unresolved_mentions() {
    let ws = standard_workspace("tokens");
    let mut s = Session::start(&[&ws.root]);
    let text = "A $[acme:docs].article-writer B $[acme:docs].nope C\nplain\n";
    let uri = s.open(&ws.root.join("notes/a.md"), text);
    let r = s.client.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri}}),
    );
    let tokens = decode_tokens(r["data"].as_array().unwrap_or(&Vec::new()));
    let kinds_in = |from: u32, to: u32| -> Vec<(u32, u32)> {
        tokens
            .iter()
            .filter(|t| t.0 == 0 && t.1 >= from && t.1 + t.2 <= to)
            .map(|t| (t.3, t.4))
            .collect()
    };
    let resolved = kinds_in(2, 29);
    let unresolved = kinds_in(32, 49);
    assert!(
        !resolved.is_empty(),
        "no token on the resolved mention: {tokens:?}"
    );
    assert!(
        !unresolved.is_empty(),
        "no token on the unresolved mention: {tokens:?}"
    );
    assert_ne!(resolved, unresolved, "{tokens:?}");
    let covered: u32 = tokens
        .iter()
        .filter(|t| t.0 == 0 && t.1 < 29)
        .map(|t| t.2)
        .sum();
    assert_eq!(
        covered, 27,
        "the resolved mention is covered exactly: {tokens:?}"
    );
    assert!(
        tokens.iter().all(|t| t.0 == 0),
        "plain text has no tokens: {tokens:?}"
    );
    s.shutdown();
}

#[test]
fn document_links_point_at_bundle_files() {
    let ws = standard_workspace("links");
    let mut s = Session::start(&[&ws.root]);
    let uri = s.open_disk(&ws.root.join("library/docs/article-writer/SKILL.md"));
    let r = s.client.request(
        "textDocument/documentLink",
        json!({"textDocument": {"uri": uri}}),
    );
    let links = r.as_array().cloned().unwrap_or_default();
    let link = links
        .iter()
        .find(|l| slice(s.text(&uri), &l["range"], s.enc()) == "references/tone.md")
        .unwrap_or_else(|| panic!("no link on references/tone.md: {r}"))
        .clone();
    let link = if link.get("target").is_none() {
        s.client.request("documentLink/resolve", link)
    } else {
        link
    };
    assert_eq!(
        link["target"]
            .as_str()
            .and_then(skills_lsp_tests::lsp_text::uri_path),
        Some(
            ws.root
                .join("library/docs/article-writer/references/tone.md")
        ),
        "{link}"
    );
    s.shutdown();
}
