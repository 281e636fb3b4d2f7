//! Diagnostics: pushed with the document version, pulled when the client can, for files that
//! are not open, with `codeDescription` and related information.

use std::time::Duration;

use serde_json::{Value, json};
use skills_lsp_tests::lsp_client::ClientSetup;
use skills_lsp_tests::lsp_text::file_uri;

use crate::support::{Session, codes, standard_workspace};

const UNKNOWN_MENTION: &str = "\
---
name: fact-checker
description: Checks every claim against its sources.
---
Hand the draft to $[acme:docs].article-writr when done.
";

#[test]
fn pushed_diagnostics_carry_the_document_version() {
    let ws = standard_workspace("push");
    let path = ws.root.join("library/docs/fact-checker/SKILL.md");
    let mut s = Session::start(&[&ws.root]);
    let uri = s.open(&path, UNKNOWN_MENTION);
    let d = s.diagnostics(&uri);
    assert_eq!(codes(&d), ["SK301"], "{d:?}");
    assert_eq!(d[0]["severity"], 2, "warning: {d:?}");
    assert_eq!(d[0]["source"], "skills-lsp", "{d:?}");
    assert!(
        d[0]["message"].as_str().unwrap().contains("article-writr"),
        "{d:?}"
    );

    s.replace(&uri, "article-writr", "article-writer");
    assert_eq!(s.diagnostics(&uri), Vec::<Value>::new());

    s.replace(&uri, "$[acme:docs]", "$[acme:nope]");
    assert_eq!(codes(&s.diagnostics(&uri)), ["SK302"]);
    s.shutdown();
}

#[test]
fn opening_a_document_publishes_its_diagnostics_even_when_clean() {
    // A client cannot tell "clean" from "not analyzed yet" unless the open is answered.
    let ws = standard_workspace("publish-on-open");
    let mut s = Session::start(&[&ws.root]);
    let uri = s.open_disk(&ws.root.join("library/docs/fact-checker/SKILL.md"));
    assert_eq!(s.diagnostics(&uri), Vec::<Value>::new());
    let uri = s.open(&ws.root.join("notes/new.md"), "Nothing to see.\n");
    assert_eq!(s.diagnostics(&uri), Vec::<Value>::new());
    // Opened with text that differs from the disk but is just as clean.
    let uri = s.open(
        &ws.root.join("library/docs/style-guide/SKILL.md"),
        "---\r\nname: style-guide\r\ndescription: Still 😀 clean.\r\n---\r\n",
    );
    assert_eq!(s.diagnostics(&uri), Vec::<Value>::new());
    s.shutdown();
}

#[test]
fn pull_diagnostics_when_the_client_supports_them() {
    let ws = standard_workspace("pull");
    let path = ws.root.join("library/docs/fact-checker/SKILL.md");
    let mut setup = ClientSetup::new(&[&ws.root]);
    setup.pull_diagnostics = true;
    let mut s = Session::start_with(setup);
    let provider = &s.init["capabilities"]["diagnosticProvider"];
    assert!(provider.is_object(), "diagnosticProvider: {}", s.init);
    let uri = s.open(&path, UNKNOWN_MENTION);
    let pull = |s: &mut Session| {
        s.client.request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        )
    };
    let r = pull(&mut s);
    assert_eq!(r["kind"], "full", "{r}");
    let items = r["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(codes(&items), ["SK301"], "{r}");

    s.replace(&uri, "article-writr", "article-writer");
    let r = pull(&mut s);
    let items = r["items"].as_array().cloned().unwrap_or_default();
    assert!(
        r["kind"] == "full" && items.is_empty(),
        "after the fix: {r}"
    );
    // A pulling client is not also pushed diagnostics for its open documents.
    assert_eq!(
        s.client.published(&uri),
        None,
        "pushed diagnostics to a client that pulls"
    );
    s.shutdown();
}

/// A workspace with problems in files nobody opens.
fn broken_workspace(name: &str) -> skills_lsp_tests::TempWorkspace {
    let ws = standard_workspace(name);
    ws.file(
        "library/ops/no-description/SKILL.md",
        "---\nname: no-description\n---\nBody.\n",
    )
    .file("notes/todo.md", "Ask $[ops].incident-reviw about it.\n");
    ws
}

#[test]
fn files_that_are_not_open_get_pushed_diagnostics() {
    let ws = broken_workspace("not-open");
    let mut s = Session::start(&[&ws.root]);
    let skill = file_uri(&ws.root.join("library/ops/no-description/SKILL.md"));
    let d = s.client.wait_diagnostics_where(&skill, |p| {
        p["diagnostics"].as_array().is_some_and(|a| !a.is_empty())
    });
    assert!(codes(&d).contains(&"SK110".to_owned()), "{d:?}");
    assert_eq!(
        d.iter().find(|x| x["code"] == "SK110").unwrap()["severity"],
        1
    );
    let note = file_uri(&ws.root.join("notes/todo.md"));
    let d = s.client.wait_diagnostics_where(&note, |p| {
        p["diagnostics"].as_array().is_some_and(|a| !a.is_empty())
    });
    // The broken skill blocks every mention (SK305) or the mention is unknown (SK301).
    assert!(
        codes(&d).iter().any(|c| c == "SK301" || c == "SK305"),
        "{d:?}"
    );
    s.shutdown();
}

#[test]
fn pull_clients_see_files_that_are_not_open() {
    let ws = broken_workspace("not-open-pull");
    let mut setup = ClientSetup::new(&[&ws.root]);
    setup.pull_diagnostics = true;
    let mut s = Session::start_with(setup);
    let skill = file_uri(&ws.root.join("library/ops/no-description/SKILL.md"));
    let workspace_pull =
        s.init["capabilities"]["diagnosticProvider"]["workspaceDiagnostics"] == true;
    let found = if workspace_pull {
        let r = s
            .client
            .request("workspace/diagnostic", json!({"previousResultIds": []}));
        r["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|i| {
                i["uri"]
                    .as_str()
                    .is_some_and(|u| skills_lsp_tests::lsp_text::same_file(u, &skill))
            })
            .map(|i| i["items"].as_array().cloned().unwrap_or_default())
    } else {
        Some(s.client.wait_diagnostics_where(&skill, |p| {
            p["diagnostics"].as_array().is_some_and(|a| !a.is_empty())
        }))
    };
    let d = found.unwrap_or_else(|| panic!("workspace/diagnostic does not report {skill}"));
    assert!(codes(&d).contains(&"SK110".to_owned()), "{d:?}");
    s.shutdown();
}

#[test]
fn diagnostics_link_their_rule_and_the_other_duplicate() {
    let ws = standard_workspace("related");
    let twin = "---\nname: twin\ndescription: One of two.\n---\n";
    ws.file("library/docs/twin-a/SKILL.md", twin)
        .file("library/docs/twin-b/SKILL.md", twin);
    let a = ws.root.join("library/docs/twin-a/SKILL.md");
    let b = ws.root.join("library/docs/twin-b/SKILL.md");
    let mut s = Session::start(&[&ws.root]);
    let mut found = None;
    for (me, other) in [(&a, &b), (&b, &a)] {
        let uri = file_uri(me);
        let d = s
            .client
            .try_wait_for(Duration::from_secs(5), |m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"]
                        .as_str()
                        .is_some_and(|u| skills_lsp_tests::lsp_text::same_file(u, &uri))
                    && m["params"]["diagnostics"].to_string().contains("SK501")
            })
            .map(|m| m["params"]["diagnostics"].clone());
        if let Some(d) = d {
            found = Some((d, other.clone()));
            break;
        }
    }
    let (diags, other) = found.unwrap_or_else(|| {
        s.client
            .fail("no SK501 duplicate-skill diagnostic was pushed for either twin")
    });
    let d = diags
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "SK501")
        .unwrap()
        .clone();
    let href = d["codeDescription"]["href"].as_str().unwrap_or_default();
    assert!(
        href.contains("sk501") || href.contains("SK501"),
        "codeDescription.href names the rule: {d}"
    );
    let related = d["relatedInformation"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        related.iter().any(|r| r["location"]["uri"]
            .as_str()
            .and_then(skills_lsp_tests::lsp_text::uri_path)
            .is_some_and(|p| p == other)),
        "related information points at {}: {d}",
        other.display()
    );
    // Every related location is a real range.
    for r in &related {
        assert!(r["location"]["range"]["start"]["line"].is_u64(), "{r}");
        assert!(r["message"].is_string(), "{r}");
    }
    s.shutdown();
}

#[test]
fn runtime_yaml_overlays_are_diagnosed_as_you_type() {
    let ws = standard_workspace("overlay");
    let path = ws.root.join("config/runtime.yaml");
    let mut s = Session::start(&[&ws.root]);
    let uri = s.open_disk(&path);
    assert_eq!(s.settled_diagnostics(&uri), Vec::<Value>::new());
    s.replace(&uri, "skills:\n", "skills:\n  scann: {}\n");
    let d = s.diagnostics(&uri);
    let unknown_key = d
        .iter()
        .find(|x| x["code"] == "SK404")
        .unwrap_or_else(|| panic!("no SK404: {d:?}"));
    assert_eq!(unknown_key["range"]["start"]["line"], 1, "{d:?}");
    assert_eq!(unknown_key["severity"], 1, "{d:?}");
    // Fixed in the buffer, the finding goes away without saving.
    s.replace(&uri, "  scann: {}\n", "");
    s.client
        .wait_diagnostics_where(&uri, |p| !p["diagnostics"].to_string().contains("SK404"));
    s.shutdown();
}

#[test]
fn mentions_are_checked_in_any_open_markdown_or_text_file() {
    let ws = standard_workspace("any-markdown");
    let mut s = Session::start(&[&ws.root]);
    for rel in ["drafts/idea.md", "drafts/prompt.txt"] {
        let path = ws.root.join(rel);
        let uri = s.open(&path, "Try $[acme:docs].fact-checkr first.\n");
        let d = s.diagnostics(&uri);
        assert_eq!(codes(&d), ["SK301"], "{rel}: {d:?}");
        s.replace(&uri, "fact-checkr", "fact-checker");
        assert_eq!(s.diagnostics(&uri), Vec::<Value>::new(), "{rel}");
    }
    s.shutdown();
}

#[test]
fn closing_a_document_falls_back_to_the_disk_content() {
    let ws = standard_workspace("close");
    let path = ws.root.join("library/docs/fact-checker/SKILL.md");
    let mut s = Session::start(&[&ws.root]);
    let uri = s.open(&path, UNKNOWN_MENTION);
    assert_eq!(codes(&s.diagnostics(&uri)), ["SK301"]);
    s.close(&uri);
    // The file on disk is clean: its diagnostics are cleared (an empty, unversioned publish).
    let d = s
        .client
        .wait_diagnostics_where(&uri, |p| p["version"].is_null());
    assert_eq!(d, Vec::<Value>::new());
    s.shutdown();
}

#[test]
fn a_reopened_document_is_never_published_with_the_disk_state() {
    // Close then reopen at once: the publish for the new version must reflect the new buffer,
    // not the disk content the close brought back.
    let ws = standard_workspace("reopen");
    let path = ws.root.join("library/docs/fact-checker/SKILL.md");
    let mut s = Session::start(&[&ws.root]);
    for round in 0..20 {
        let uri = s.open(&path, UNKNOWN_MENTION);
        let d = s.diagnostics(&uri);
        assert_eq!(
            codes(&d),
            ["SK301"],
            "round {round}, version {}: {d:?}",
            s.version(&uri)
        );
        s.close(&uri);
    }
    s.shutdown();
}
