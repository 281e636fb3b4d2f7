//! Incremental updates (`Workspace::update_file`, `remove_extra_file`) give exactly what a
//! fresh `check_workspace` of the same contents gives: index, scan errors and diagnostics.
//! Every step edits one file in memory, then writes the same bytes to disk and checks again.

use std::collections::HashMap;
use std::path::Path;

use skills_runtime::check::{Affected, CheckOptions, Workspace, check_workspace};
use skills_runtime::config::LoadOptions;
use skills_runtime::settings::Settings;

use skills_lsp_tests::TempWorkspace as TempDir;

const CONFIG: &str = "skills:\n  spaces:\n    - {id: main, namespace: \"acme:docs\", sources: [fs]}\n    - {id: ops, namespace: ops, sources: [opsfs]}\n  sources:\n    - {id: fs, type: filesystem, options: {root: skills}}\n    - {id: opsfs, type: filesystem, options: {root: ops}}\n";

fn skill(name: &str, body: &str) -> String {
    format!("---\nname: {name}\ndescription: The {name} skill.\n---\n# {name}\n\n{body}\n")
}

fn settings() -> Settings {
    let mut s = Settings::default();
    s.apply_overrides(&[], &["**/*.md".to_string()], &[])
        .unwrap();
    s
}

fn check(root: &Path) -> Workspace {
    let mut config = LoadOptions::new(root);
    config.use_dotenv = false;
    config.env = HashMap::new();
    check_workspace(&CheckOptions {
        config,
        settings: settings(),
        ..Default::default()
    })
}

fn fixture() -> TempDir {
    let t = TempDir::new("ws");
    t.write("config/runtime.yaml", CONFIG);
    t.write(
        "skills/writer/SKILL.md",
        skill("writer", "Uses $[acme:docs].checker and $[ops].deploy."),
    );
    t.write("skills/checker/SKILL.md", skill("checker", "Plain."));
    t.write(
        "ops/deploy/SKILL.md",
        skill("deploy", "Calls $[acme:docs].writer."),
    );
    t.write(
        "docs/guide.md",
        "See $[acme:docs].writer and $[ops].deploy.\n",
    );
    t
}

/// What must agree between an incrementally updated workspace and a fresh check.
fn summary(ws: &Workspace) -> String {
    let mut out = String::new();
    for s in &ws.index.skills {
        out.push_str(&format!(
            "skill {:?} {} {}\n",
            s.namespace,
            s.name,
            s.locator.display()
        ));
    }
    for e in &ws.index.errors {
        out.push_str(&format!("error {} {:?} {:?}\n", e.code, e.path, e.reason));
    }
    for d in &ws.diagnostics {
        out.push_str(&format!(
            "{} {} {}:{}-{}:{} {:?} {} related={:?}\n",
            d.path.display(),
            d.code(),
            d.range.start.line,
            d.range.start.utf16,
            d.range.end.line,
            d.range.end.utf16,
            d.severity,
            d.message,
            d.related
                .iter()
                .map(|r| (r.path.display().to_string(), r.range.start.line))
                .collect::<Vec<_>>()
        ));
    }
    out
}

/// Edits `rel` in memory, then on disk, and compares with a fresh check.
fn edit_and_compare(t: &TempDir, ws: &mut Workspace, rel: &str, text: &str) -> Affected {
    let path = t.root.join(rel);
    let affected = ws.update_file(&path, Some(text.as_bytes()), &settings());
    t.write(rel, text);
    let fresh = check(&t.root);
    assert_eq!(
        summary(ws),
        summary(&fresh),
        "after editing {rel} to:\n{text}"
    );
    affected
}

#[test]
fn body_edit_updates_only_that_file() {
    let t = fixture();
    let mut ws = check(&t.root);
    let affected = edit_and_compare(
        &t,
        &mut ws,
        "skills/writer/SKILL.md",
        &skill("writer", "Uses $[acme:docs].chekcer and $[OPS].deploy."),
    );
    assert_eq!(
        affected,
        Affected::Files(vec![t.root.join("skills/writer/SKILL.md")])
    );
    assert!(
        ws.diagnostics_for(&t.root.join("skills/writer/SKILL.md"))
            .iter()
            .any(|d| d.code() == "SK301" && d.help.as_deref() == Some("did you mean `checker`?"))
    );
}

#[test]
fn renaming_a_skill_relinks_the_index_and_every_mention() {
    let t = fixture();
    let mut ws = check(&t.root);
    let affected = edit_and_compare(
        &t,
        &mut ws,
        "skills/checker/SKILL.md",
        &skill("fact-checker", "Plain."),
    );
    assert_eq!(affected, Affected::All);
    assert!(ws.index.lookup("acme:docs", "fact-checker").is_some());
    // A duplicate name, then back.
    edit_and_compare(
        &t,
        &mut ws,
        "skills/checker/SKILL.md",
        &skill("writer", "x"),
    );
    assert!(
        ws.diagnostics
            .iter()
            .any(|d| d.message.contains("another skill named `writer`"))
    );
    edit_and_compare(
        &t,
        &mut ws,
        "skills/checker/SKILL.md",
        &skill("checker", "x"),
    );
}

#[test]
fn a_rejected_skill_blocks_resolution_and_unblocks_when_fixed() {
    let t = fixture();
    let mut ws = check(&t.root);
    edit_and_compare(
        &t,
        &mut ws,
        "skills/checker/SKILL.md",
        "---\nname: checker\n---\nno description\n",
    );
    assert!(ws.diagnostics.iter().any(|d| d.code() == "SK305"));
    // More mentions elsewhere change the SK305 counts, located in another file.
    edit_and_compare(
        &t,
        &mut ws,
        "docs/guide.md",
        "$[acme:docs].writer $[ops].deploy $[acme:docs].writer\n",
    );
    edit_and_compare(
        &t,
        &mut ws,
        "skills/checker/SKILL.md",
        &skill("checker", "ok"),
    );
    assert!(!ws.diagnostics.iter().any(|d| d.code() == "SK305"));
}

#[test]
fn extra_files_are_added_updated_and_removed() {
    let t = fixture();
    let mut ws = check(&t.root);
    edit_and_compare(
        &t,
        &mut ws,
        "docs/new.md",
        "$[acme:docs].nope and $ [ops].deploy\n",
    );
    edit_and_compare(&t, &mut ws, "docs/new.md", "fixed: $[acme:docs].writer\n");
    // An unreachable SKILL.md outside every source.
    edit_and_compare(
        &t,
        &mut ws,
        "drafts/idea/SKILL.md",
        &skill("idea", "$[ops].nope"),
    );

    let path = t.root.join("docs/new.md");
    ws.update_file(&path, Some(b"$[acme:docs].nope\n"), &settings());
    ws.remove_extra_file(&path, &settings());
    std::fs::remove_file(&path).unwrap();
    assert_eq!(summary(&ws), summary(&check(&t.root)));
    assert!(ws.diagnostics_for(&path).is_empty());
}

#[test]
fn an_indexed_file_reverts_to_disk() {
    let t = fixture();
    let mut ws = check(&t.root);
    let path = t.root.join("skills/writer/SKILL.md");
    ws.update_file(
        &path,
        Some(skill("renamed", "$[ops].x").as_bytes()),
        &settings(),
    );
    assert!(ws.index.lookup("acme:docs", "renamed").is_some());
    ws.update_file(&path, None, &settings());
    assert_eq!(summary(&ws), summary(&check(&t.root)));
}

#[test]
fn many_random_edits_agree_with_fresh_checks() {
    let t = fixture();
    let mut ws = check(&t.root);
    let names = ["writer", "checker", "deploy", "other", "Bad Name"];
    let mentions = [
        "$[acme:docs].writer",
        "$[acme:docs].checker",
        "$[ops].deploy",
        "$[ops].writer",
        "$[nope].x",
        "$[acme:docs].Writer",
        "$ [ops].deploy",
    ];
    let files = [
        "skills/writer/SKILL.md",
        "skills/checker/SKILL.md",
        "ops/deploy/SKILL.md",
        "docs/guide.md",
    ];
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..40 {
        let file = files[rng.usize(..files.len())];
        let body: Vec<&str> = (0..rng.usize(0..4))
            .map(|_| mentions[rng.usize(..mentions.len())])
            .collect();
        let body = body.join(" ");
        let text = if file.ends_with("SKILL.md") {
            match rng.usize(..6) {
                0 => format!(
                    "---\nname: {}\n---\n{body}\n",
                    names[rng.usize(..names.len())]
                ),
                1 => format!("---\nname: [unclosed\n{body}\n"),
                _ => skill(names[rng.usize(..names.len())], &body),
            }
        } else {
            format!("{body}\n")
        };
        edit_and_compare(&t, &mut ws, file, &text);
    }
}

#[test]
fn config_buffers_stand_in_for_files_on_disk() {
    let t = fixture();
    let overlay = t.root.join("config/runtime.yaml");
    let env_file = t.root.join(".env");
    let mut opts = LoadOptions::new(&t.root);
    opts.env = HashMap::new();
    let buffers = HashMap::from([
        (
            overlay.clone(),
            CONFIG
                .replace("namespace: ops", "namespace: \"ops:xy\"")
                .into_bytes(),
        ),
        (env_file.clone(), b"SKILLS_LSP_TEST=1\n".to_vec()),
    ]);
    let config = skills_runtime::config::load_with_buffers(&opts, &buffers);
    assert_eq!(config.env_file.as_deref(), Some(env_file.as_path()));
    assert_eq!(
        config.env.get("SKILLS_LSP_TEST").map(String::as_str),
        Some("1")
    );
    let ws = skills_runtime::check::check_loaded(
        &CheckOptions {
            config: opts,
            settings: settings(),
            ..Default::default()
        },
        config,
    );
    assert!(ws.index.lookup("ops:xy", "deploy").is_some());
    assert!(ws.index.lookup("ops", "deploy").is_none());
}

#[test]
fn extra_files_analyzed_apart_give_the_same_workspace() {
    let t = fixture();
    t.write("drafts/idea/SKILL.md", skill("idea", "$[ops].nope"));
    let full = check(&t.root);
    let mut config = LoadOptions::new(&t.root);
    config.use_dotenv = false;
    config.env = HashMap::new();
    let mut no_include = settings();
    no_include.include.clear();
    no_include.apply_overrides(&[], &[], &[]).unwrap();
    let mut ws = check_workspace(&CheckOptions {
        config,
        settings: no_include,
        ..Default::default()
    });
    let opts = ws.analysis_options();
    let extras: Vec<_> = [
        "docs/guide.md",
        "drafts/idea/SKILL.md",
        "skills/writer/SKILL.md",
    ]
    .iter()
    .map(|rel| {
        let p = t.root.join(rel);
        skills_runtime::check::analyze_extra(&p, &p, &opts)
    })
    .collect();
    assert_eq!(ws.add_extra_files(extras, &settings()), Affected::All);
    assert_eq!(summary(&ws), summary(&full));
}
