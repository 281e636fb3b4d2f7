//! Workspace folders and the file system: several roots with their own config, folders
//! added and removed at runtime, files created/changed/deleted on disk.

use std::path::Path;

use serde_json::{Value, json};
use skills_lsp_tests::TempWorkspace;
use skills_lsp_tests::lsp_text::{file_uri, pos_of};

use crate::support::{Session, codes, completion_items, hover_text, standard_workspace};

/// A one-space workspace with namespace `ns` and the skills `names`.
fn folder(name: &str, ns: &str, names: &[&str]) -> TempWorkspace {
    let ws = TempWorkspace::new(&format!("lsp-{name}"));
    ws.file(
        "config/runtime.yaml",
        format!(
            "skills:\n  spaces:\n    - {{id: main, namespace: \"{ns}\", sources: [fs]}}\n  sources:\n    - {{id: fs, type: filesystem, options: {{root: skills}}}}\n"
        ),
    );
    for n in names {
        ws.file(
            &format!("skills/{n}/SKILL.md"),
            format!("---\nname: {n}\ndescription: The {n} skill of {ns}.\n---\n"),
        );
    }
    ws
}

fn complete_labels(s: &mut Session, uri: &str, text: &str) -> Vec<String> {
    let pos = s.doc(uri).pos(text.len());
    let r = s.at("textDocument/completion", uri, pos, json!({}));
    completion_items(&r)
        .iter()
        .map(|i| i["label"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn each_folder_has_its_own_config_and_namespaces() {
    let a = folder("multi-a", "alpha", &["ant", "ape"]);
    let b = folder("multi-b", "beta", &["bee", "bat"]);
    let mut s = Session::start(&[&a.root, &b.root]);

    let text = "Use $[alpha].ant and $[beta].bee.\n";
    let in_a = s.open(&a.root.join("notes.md"), text);
    let in_b = s.open(&b.root.join("notes.md"), text);
    let da = s.diagnostics(&in_a);
    let db = s.diagnostics(&in_b);
    assert_eq!(
        codes(&da),
        ["SK302"],
        "in alpha's folder, beta is not configured: {da:?}"
    );
    assert!(
        da[0]["message"].as_str().unwrap().contains("beta"),
        "{da:?}"
    );
    assert_eq!(codes(&db), ["SK302"], "{db:?}");
    assert!(
        db[0]["message"].as_str().unwrap().contains("alpha"),
        "{db:?}"
    );

    let h = s.at(
        "textDocument/hover",
        &in_b,
        pos_of(text, "bee", 0, s.enc()),
        json!({}),
    );
    assert!(hover_text(&h).contains("The bee skill of beta."), "{h}");

    let ca = "Try $[alpha].";
    let uri = s.open(&a.root.join("c.md"), ca);
    let labels = complete_labels(&mut s, &uri, ca);
    assert!(
        labels.iter().any(|l| l == "ant") && labels.iter().any(|l| l == "ape"),
        "{labels:?}"
    );
    assert!(!labels.iter().any(|l| l == "bee"), "{labels:?}");

    // Workspace symbols span every folder.
    let r = s.client.request("workspace/symbol", json!({"query": ""}));
    let mut names: Vec<String> = r
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| x["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["ant", "ape", "bat", "bee"], "{r}");
    s.shutdown();
}

#[test]
fn a_nested_folder_is_not_indexed_twice() {
    // Folder B lives inside folder A: each is its own workspace, with its own index.
    let a = folder("nested-outer", "alpha", &["ant"]);
    let inner = a.root.join("inner");
    a.file(
        "inner/config/runtime.yaml",
        "skills:\n  spaces:\n    - {id: main, namespace: \"beta\", sources: [fs]}\n  sources:\n    - {id: fs, type: filesystem, options: {root: skills}}\n",
    )
    .file("inner/skills/bee/SKILL.md", "---\nname: bee\ndescription: b\n---\n");
    let mut s = Session::start(&[&a.root, &inner]);
    let text = "Use $[beta].bee.\n";
    let uri = s.open(&inner.join("notes.md"), text);
    assert_eq!(
        s.settled_diagnostics(&uri),
        Vec::<Value>::new(),
        "resolved by the inner folder"
    );
    let r = s
        .client
        .request("workspace/symbol", json!({"query": "bee"}));
    assert_eq!(r.as_array().map_or(0, Vec::len), 1, "{r}");
    s.shutdown();
}

#[test]
fn folders_added_and_removed_at_runtime() {
    let a = folder("runtime-a", "alpha", &["ant"]);
    let b = folder("runtime-b", "beta", &["bee"]);
    b.file("skills/broken/SKILL.md", "---\nname: broken\n---\n");
    let mut s = Session::start(&[&a.root]);

    s.client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [{"uri": file_uri(&b.root), "name": "b"}], "removed": []}}),
    );
    let p = s.wait_indexed(&b.root);
    assert_eq!(p["skills"], 1, "bee is indexed, broken is rejected: {p}");
    let broken = file_uri(&b.root.join("skills/broken/SKILL.md"));
    let d = s.client.wait_diagnostics_where(&broken, |p| {
        p["diagnostics"].as_array().is_some_and(|a| !a.is_empty())
    });
    assert!(codes(&d).contains(&"SK110".to_owned()), "{d:?}");
    let r = s
        .client
        .request("workspace/symbol", json!({"query": "bee"}));
    assert_eq!(r.as_array().map_or(0, Vec::len), 1, "{r}");

    s.client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [], "removed": [{"uri": file_uri(&b.root), "name": "b"}]}}),
    );
    // The removed folder's problems leave the Problems panel, and its skills the index.
    s.client
        .wait_diagnostics_where(&broken, |p| p["diagnostics"] == json!([]));
    let r = s
        .client
        .request("workspace/symbol", json!({"query": "bee"}));
    assert_eq!(r, json!([]), "{r}");
    s.shutdown();
}

#[test]
fn the_server_registers_file_watchers() {
    let ws = standard_workspace("watchers");
    let mut s = Session::start(&[&ws.root]);
    let m = s.client.wait_server_request("client/registerCapability");
    let regs = m["params"]["registrations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let watch = regs
        .iter()
        .find(|r| r["method"] == "workspace/didChangeWatchedFiles")
        .unwrap_or_else(|| panic!("no didChangeWatchedFiles registration: {m}"));
    let globs = watch["registerOptions"]["watchers"].to_string();
    for g in ["SKILL.md", "config/*.yaml", ".env", "skills-lsp.toml"] {
        assert!(globs.contains(g), "watcher for {g}: {globs}");
    }
    s.shutdown();
}

fn announce(s: &mut Session, path: &Path, kind: u8) {
    s.client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(path), "type": kind}]}),
    );
}

#[test]
fn files_created_changed_and_deleted_on_disk_update_the_index() {
    let ws = standard_workspace("disk");
    let mut s = Session::start(&[&ws.root]);
    let text = "Ask $[acme:docs].proof-reader.\n";
    let uri = s.open(&ws.root.join("notes/draft.md"), text);
    assert_eq!(codes(&s.diagnostics(&uri)), ["SK301"]);

    // Created.
    let new = ws.root.join("library/docs/proof-reader/SKILL.md");
    ws.file(
        "library/docs/proof-reader/SKILL.md",
        "---\nname: proof-reader\ndescription: Finds typos.\n---\n",
    );
    announce(&mut s, &new, 1);
    s.client
        .wait_diagnostics_where(&uri, |p| p["diagnostics"] == json!([]));
    let pos = pos_of(text, "proof", 0, s.enc());
    let h = s.at("textDocument/hover", &uri, pos, json!({}));
    assert!(hover_text(&h).contains("Finds typos."), "{h}");

    // Changed: the description on disk.
    ws.file(
        "library/docs/proof-reader/SKILL.md",
        "---\nname: proof-reader\ndescription: Finds typos and grammar slips.\n---\n",
    );
    announce(&mut s, &new, 2);
    let deadline = std::time::Instant::now() + s.client.timeout;
    loop {
        let h = s.at("textDocument/hover", &uri, pos, json!({}));
        if hover_text(&h).contains("grammar slips") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "hover still shows the old description: {h}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    // Deleted.
    std::fs::remove_dir_all(new.parent().unwrap()).unwrap();
    announce(&mut s, &new, 3);
    let d = s.client.wait_diagnostics_where(&uri, |p| {
        p["diagnostics"].as_array().is_some_and(|a| !a.is_empty())
    });
    assert_eq!(codes(&d), ["SK301"]);
    s.shutdown();
}

#[test]
fn a_config_change_on_disk_reloads_the_folder() {
    let ws = standard_workspace("config-reload");
    let mut s = Session::start(&[&ws.root]);
    let text = "Use $[ops].incident-review.\n";
    let uri = s.open(&ws.root.join("notes/draft.md"), text);
    assert_eq!(s.settled_diagnostics(&uri), Vec::<Value>::new());
    let cfg = ws.root.join("config/runtime.yaml");
    let without_ops = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("    - {id: ops, namespace: ops, sources: [ops-lib]}\n", "");
    std::fs::write(&cfg, without_ops).unwrap();
    announce(&mut s, &cfg, 2);
    let d = s.client.wait_diagnostics_where(&uri, |p| {
        p["diagnostics"].as_array().is_some_and(|a| !a.is_empty())
    });
    assert_eq!(codes(&d), ["SK302"], "{d:?}");
    s.shutdown();
}

#[test]
fn an_open_buffer_overrides_the_disk() {
    let ws = standard_workspace("buffer-wins");
    let mut s = Session::start(&[&ws.root]);
    // Rename the skill in the editor only: mentions elsewhere stop resolving at once.
    let skill = s.open_disk(&ws.root.join("library/docs/style-guide/SKILL.md"));
    let note = s.open(
        &ws.root.join("notes/draft.md"),
        "Follow $[acme:docs].style-guide.\n",
    );
    assert_eq!(s.settled_diagnostics(&note), Vec::<Value>::new());
    s.replace(&skill, "name: style-guide", "name: house-style");
    let d = s.client.wait_diagnostics_where(&note, |p| {
        p["diagnostics"].as_array().is_some_and(|a| !a.is_empty())
    });
    assert_eq!(codes(&d), ["SK301"], "{d:?}");
    // The disk still says style-guide; a disk event for the file must not undo the buffer.
    announce(
        &mut s,
        &ws.root.join("library/docs/style-guide/SKILL.md"),
        2,
    );
    s.replace(&note, "Follow", "Then follow");
    assert_eq!(codes(&s.diagnostics(&note)), ["SK301"]);
    let r = s
        .client
        .request("workspace/symbol", json!({"query": "house-style"}));
    assert_eq!(r.as_array().map_or(0, Vec::len), 1, "{r}");
    s.shutdown();
}
