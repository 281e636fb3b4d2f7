//! What every LSP scenario needs: the fixture workspace, a session (server + open documents
//! kept in step with the server), and applying completion items and workspace edits the way
//! an editor would.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use skills_lsp_tests::TempWorkspace;
use skills_lsp_tests::lsp_client::{ClientSetup, LspClient, Spawn};
use skills_lsp_tests::lsp_text::{
    DocModel, Encoding, Pos, file_uri, offset_at, pos_of, range_json, uri_path,
};

pub const BIN: &str = env!("CARGO_BIN_EXE_skills-lsp");

/// How long a quiet server is given to publish before the last publish counts as current.
pub const QUIET: std::time::Duration = std::time::Duration::from_millis(1500);

/// Two spaces: `acme:docs` (with the sibling namespace `acme:data`, for segment completion)
/// and `ops`.
pub const CONFIG: &str = "\
skills:
  spaces:
    - {id: docs, namespace: \"acme:docs\", sources: [docs-lib]}
    - {id: data, namespace: \"acme:data\", sources: [data-lib]}
    - {id: ops, namespace: ops, sources: [ops-lib]}
  sources:
    - {id: docs-lib, type: filesystem, options: {root: library/docs}}
    - {id: data-lib, type: filesystem, options: {root: library/data}}
    - {id: ops-lib, type: filesystem, options: {root: library/ops}}
";

pub const ARTICLE_WRITER: &str = "\
---
name: article-writer
description: Writes long-form articles in the house style.
---
# Article writer

Check facts with $[acme:docs].fact-checker and follow $[acme:docs].style-guide.

## Usage

See [the tone guide](references/tone.md) before writing.
";

pub const FACT_CHECKER: &str = "\
---
name: fact-checker
description: Checks every claim against its sources.
---
# Fact checker

Hand the draft back to $[acme:docs].article-writer when done.
";

pub const STYLE_GUIDE: &str = "\
---
name: style-guide
description: The house style for every document.
---
# Style guide
";

pub const CSV_LOADER: &str = "\
---
name: csv-loader
description: Loads CSV files into tables.
---
# CSV loader
";

pub const INCIDENT_REVIEW: &str = "\
---
name: incident-review
description: Runs a blameless incident review.
---
# Incident review

Write the summary with $[acme:docs].article-writer.
";

pub const NOTES: &str = "\
# Plan

Use $[acme:docs].article-writer, then $[ops].incident-review.
";

/// The standard workspace: 5 skills, no findings, `article-writer` mentioned from
/// `fact-checker`, `incident-review` and `notes/plan.md` (scanned through `include`).
pub fn standard_workspace(name: &str) -> TempWorkspace {
    let ws = TempWorkspace::new(&format!("lsp-{name}"));
    ws.file("config/runtime.yaml", CONFIG)
        .file("skills-lsp.toml", "include = [\"notes/**/*.md\"]\n")
        .file("library/docs/article-writer/SKILL.md", ARTICLE_WRITER)
        .file(
            "library/docs/article-writer/references/tone.md",
            "# Tone\n\nFriendly.\n",
        )
        .file("library/docs/fact-checker/SKILL.md", FACT_CHECKER)
        .file("library/docs/style-guide/SKILL.md", STYLE_GUIDE)
        .file("library/data/csv-loader/SKILL.md", CSV_LOADER)
        .file("library/ops/incident-review/SKILL.md", INCIDENT_REVIEW)
        .file("notes/plan.md", NOTES);
    ws
}

fn language_id(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("yaml" | "yml") => "yaml",
        Some("toml") => "toml",
        Some("txt") => "plaintext",
        _ => "markdown",
    }
}

/// A server plus the documents the test has opened, kept as the server must hold them.
pub struct Session {
    pub client: LspClient,
    pub init: Value,
    pub docs: HashMap<String, DocModel>,
    pub folders: Vec<PathBuf>,
    /// The last version each URI had, kept across close and reopen, so that a reopened
    /// document's diagnostics are never confused with an earlier open's.
    last_versions: HashMap<String, i64>,
}

impl Session {
    /// Starts the server on `folders` with default client capabilities (utf-16, push
    /// diagnostics) and waits until every folder is indexed.
    pub fn start(folders: &[&Path]) -> Session {
        Session::start_with(ClientSetup::new(folders))
    }

    pub fn start_with(setup: ClientSetup) -> Session {
        let cwd = setup
            .folders
            .first()
            .map(|(p, _)| p.clone())
            .unwrap_or_else(std::env::temp_dir);
        let mut client = LspClient::spawn(&Spawn::new(BIN, &cwd));
        let init = client.initialize(setup.params());
        let mut session = Session {
            client,
            init,
            docs: HashMap::new(),
            folders: setup.folders.iter().map(|(p, _)| p.clone()).collect(),
            last_versions: HashMap::new(),
        };
        for f in session.folders.clone() {
            session.wait_indexed(&f);
        }
        session
    }

    /// Waits for `skills/indexed` for `folder`; returns its params.
    pub fn wait_indexed(&mut self, folder: &Path) -> Value {
        let uri = file_uri(folder);
        self.client.wait_notification_where("skills/indexed", |p| {
            folder_matches(&p["folder"], folder, &uri)
        })
    }

    pub fn enc(&self) -> Encoding {
        self.client.encoding
    }

    /// Opens `path` with `text`; returns its URI.
    pub fn open(&mut self, path: &Path, text: &str) -> String {
        let uri = file_uri(path);
        let version = self.last_versions.get(&uri).map_or(1, |v| v + 1);
        self.client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language_id(path), "version": version, "text": text}}),
        );
        let mut doc = DocModel::new(text, self.client.encoding);
        doc.version = version;
        self.docs.insert(uri.clone(), doc);
        self.last_versions.insert(uri.clone(), version);
        uri
    }

    /// Opens `path` with its content on disk.
    pub fn open_disk(&mut self, path: &Path) -> String {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        self.open(path, &text)
    }

    pub fn close(&mut self, uri: &str) {
        self.client.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        );
        self.docs.remove(uri);
    }

    pub fn doc(&self, uri: &str) -> &DocModel {
        self.docs
            .get(uri)
            .unwrap_or_else(|| panic!("{uri} is not open"))
    }

    pub fn text(&self, uri: &str) -> &str {
        &self.doc(uri).text
    }

    pub fn version(&self, uri: &str) -> i64 {
        self.doc(uri).version
    }

    /// Sends one `didChange` with `changes` (content change events); returns the new version.
    pub fn change(&mut self, uri: &str, changes: Vec<Value>) -> i64 {
        let doc = self
            .docs
            .get_mut(uri)
            .unwrap_or_else(|| panic!("{uri} is not open"));
        for c in &changes {
            doc.apply(c);
        }
        doc.version += 1;
        let version = doc.version;
        self.last_versions.insert(uri.to_owned(), version);
        self.client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
        version
    }

    /// Replaces the first occurrence of `old` with `new` through an incremental change.
    pub fn replace(&mut self, uri: &str, old: &str, new: &str) -> i64 {
        let text = self.text(uri);
        let enc = self.enc();
        let start = text
            .find(old)
            .unwrap_or_else(|| panic!("{old:?} not in {uri}:\n{text}"));
        let s = skills_lsp_tests::lsp_text::position_at(text, start, enc);
        let e = skills_lsp_tests::lsp_text::position_at(text, start + old.len(), enc);
        self.change(uri, vec![json!({"range": range_json(s, e), "text": new})])
    }

    /// The position of `needle` (plus `delta` bytes) in an open document.
    pub fn pos(&self, uri: &str, needle: &str, delta: usize) -> Pos {
        pos_of(self.text(uri), needle, delta, self.enc())
    }

    /// Push diagnostics for the current version of an open document.
    pub fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let v = self.version(uri);
        self.client.wait_diagnostics(uri, Some(v))
    }

    /// The diagnostics of an open document once the server is quiet: those published for its
    /// current version, or, when the server publishes nothing for it within `QUIET` (it skips
    /// publishes that would not change anything), the last ones published (none: empty).
    pub fn settled_diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let v = self.version(uri);
        let published = self.client.try_wait_for(QUIET, |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"]
                    .as_str()
                    .is_some_and(|u| skills_lsp_tests::lsp_text::same_file(u, uri))
                && m["params"]["version"] == json!(v)
        });
        match published {
            Some(m) => m["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
            None => self.client.published(uri).unwrap_or_default(),
        }
    }

    /// `textDocument/<method>` at `pos` with extra params merged in.
    pub fn at(&mut self, method: &str, uri: &str, pos: Pos, extra: Value) -> Value {
        let mut params = json!({"textDocument": {"uri": uri}, "position": pos.to_json()});
        if let Value::Object(m) = extra {
            for (k, v) in m {
                params[k] = v;
            }
        }
        self.client.request(method, params)
    }

    /// The text of a file as the server should see it: the open buffer, else the disk.
    pub fn current_text(&self, path: &Path) -> Option<String> {
        let uri = file_uri(path);
        match self.docs.get(&uri) {
            Some(d) => Some(d.text.clone()),
            None => std::fs::read_to_string(path).ok(),
        }
    }

    /// Applies a WorkspaceEdit to the buffers/disk content (in memory).
    pub fn apply_edit(&self, edit: &Value) -> AppliedEdit {
        apply_workspace_edit(edit, self.enc(), |p| self.current_text(p))
    }

    pub fn shutdown(mut self) {
        let code = self.client.shutdown_and_exit();
        assert_eq!(code, 0, "exit code after shutdown");
    }
}

/// Whether `skills/indexed`'s `folder` (a URI or a path) names `folder`.
pub fn folder_matches(v: &Value, folder: &Path, uri: &str) -> bool {
    match v.as_str() {
        Some(s) if s.starts_with("file:") => {
            uri_path(s).is_some_and(|p| p.as_path() == folder) || s == uri
        }
        Some(s) => Path::new(s) == folder,
        None => false,
    }
}

/// Codes of a diagnostics list, sorted.
pub fn codes(diags: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = diags
        .iter()
        .map(|d| match &d["code"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    v.sort();
    v
}

/// A diagnostic's comparable content: range, severity, code, message.
pub fn diag_key(d: &Value) -> String {
    format!(
        "{} {} {} {}",
        d["range"], d["severity"], d["code"], d["message"]
    )
}

/// Turns an LSP snippet into the text it inserts (placeholders keep their default text).
pub fn snippet_text(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut depth = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() && "$}\\".contains(chars[i + 1]) {
            out.push(chars[i + 1]);
            i += 2;
        } else if c == '$' && i + 1 < chars.len() && chars[i + 1].is_ascii_digit() {
            i += 1;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
        } else if c == '$' && i + 1 < chars.len() && chars[i + 1] == '{' {
            // ${N} or ${N:default} or ${N|a,b|}
            i += 2;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i < chars.len() && chars[i] == ':' {
                depth += 1;
                i += 1;
            } else if i < chars.len() && chars[i] == '|' {
                i += 1;
                let start = i;
                while i < chars.len() && chars[i] != ',' && chars[i] != '|' {
                    i += 1;
                }
                out.extend(&chars[start..i]);
                while i < chars.len() && chars[i] != '}' {
                    i += 1;
                }
                i += 1;
            } else {
                i += 1; // the closing brace of ${N}
            }
        } else if c == '}' && depth > 0 {
            depth -= 1;
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The completion items of a `textDocument/completion` result (list or array).
pub fn completion_items(result: &Value) -> Vec<Value> {
    match result {
        Value::Array(a) => a.clone(),
        Value::Object(_) => result["items"].as_array().cloned().unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The document text after accepting completion `item` (its `textEdit`, replace range when
/// the server gives insert/replace ranges, and `additionalTextEdits`).
pub fn accept_completion(text: &str, item: &Value, enc: Encoding) -> String {
    let edit = &item["textEdit"];
    assert!(
        edit.is_object(),
        "completion item has no textEdit (the partial token must be replaced): {item}"
    );
    let range = if edit.get("replace").is_some() {
        &edit["replace"]
    } else {
        &edit["range"]
    };
    let raw = edit["newText"].as_str().expect("newText");
    let new_text = if item["insertTextFormat"] == 2 {
        snippet_text(raw)
    } else {
        raw.to_owned()
    };
    let mut edits = vec![(range.clone(), new_text)];
    for e in item["additionalTextEdits"].as_array().into_iter().flatten() {
        edits.push((
            e["range"].clone(),
            e["newText"].as_str().unwrap_or("").to_owned(),
        ));
    }
    apply_text_edits(text, &edits, enc)
}

/// Applies non-overlapping edits given against `text` (LSP semantics).
pub fn apply_text_edits(text: &str, edits: &[(Value, String)], enc: Encoding) -> String {
    let mut resolved: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|(r, t)| {
            let s = offset_at(text, Pos::from_json(&r["start"]), enc);
            let e = offset_at(text, Pos::from_json(&r["end"]), enc);
            assert!(s <= e, "inverted edit range {r}");
            (s, e, t.as_str())
        })
        .collect();
    resolved.sort_by_key(|&(s, e, _)| (s, e));
    for w in resolved.windows(2) {
        assert!(w[0].1 <= w[1].0, "overlapping edits: {edits:?}");
    }
    let mut out = text.to_owned();
    for (s, e, t) in resolved.into_iter().rev() {
        out.replace_range(s..e, t);
    }
    out
}

/// The effect of a WorkspaceEdit: the final text of every file it touches (by final path),
/// and its resource operations.
#[derive(Debug, Default)]
pub struct AppliedEdit {
    pub texts: BTreeMap<PathBuf, String>,
    pub created: Vec<PathBuf>,
    pub renames: Vec<(PathBuf, PathBuf)>,
    pub deleted: Vec<PathBuf>,
    /// Files with text edits, by the URI the edit named.
    pub edited: Vec<PathBuf>,
}

fn edit_list(v: &Value) -> Vec<(Value, String)> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["range"].clone(),
                e["newText"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn path_of(uri: &Value) -> PathBuf {
    uri.as_str()
        .and_then(uri_path)
        .unwrap_or_else(|| panic!("not a file URI: {uri}"))
}

/// Applies `edit` in memory; `read` gives a file's current text.
pub fn apply_workspace_edit(
    edit: &Value,
    enc: Encoding,
    read: impl Fn(&Path) -> Option<String>,
) -> AppliedEdit {
    let mut out = AppliedEdit::default();
    let text_of = |out: &mut AppliedEdit, p: &Path| -> String {
        out.texts
            .get(p)
            .cloned()
            .or_else(|| read(p))
            .unwrap_or_default()
    };
    if let Some(changes) = edit["changes"].as_object() {
        for (uri, edits) in changes {
            let p = path_of(&Value::String(uri.clone()));
            let t = text_of(&mut out, &p);
            let new = apply_text_edits(&t, &edit_list(edits), enc);
            out.edited.push(p.clone());
            out.texts.insert(p, new);
        }
    }
    for op in edit["documentChanges"].as_array().into_iter().flatten() {
        match op["kind"].as_str() {
            None => {
                let p = path_of(&op["textDocument"]["uri"]);
                let t = text_of(&mut out, &p);
                let new = apply_text_edits(&t, &edit_list(&op["edits"]), enc);
                out.edited.push(p.clone());
                out.texts.insert(p, new);
            }
            Some("create") => {
                let p = path_of(&op["uri"]);
                out.created.push(p.clone());
                out.texts.insert(p, String::new());
            }
            Some("rename") => {
                let from = path_of(&op["oldUri"]);
                let to = path_of(&op["newUri"]);
                let moved: Vec<PathBuf> = out
                    .texts
                    .keys()
                    .filter(|k| k.starts_with(&from))
                    .cloned()
                    .collect();
                for k in moved {
                    let t = out.texts.remove(&k).expect("present");
                    let rel = k.strip_prefix(&from).expect("prefix");
                    let dest = if rel.as_os_str().is_empty() {
                        to.clone()
                    } else {
                        to.join(rel)
                    };
                    out.texts.insert(dest, t);
                }
                out.renames.push((from, to));
            }
            Some("delete") => {
                let p = path_of(&op["uri"]);
                out.texts.remove(&p);
                out.deleted.push(p);
            }
            Some(other) => panic!("unknown resource operation {other}: {op}"),
        }
    }
    out
}

/// Decodes `semanticTokens` data into (line, start, length, type, modifiers) tuples.
pub fn decode_tokens(data: &[Value]) -> Vec<(u32, u32, u32, u32, u32)> {
    let nums: Vec<u32> = data
        .iter()
        .map(|v| v.as_u64().unwrap_or(0) as u32)
        .collect();
    assert_eq!(
        nums.len() % 5,
        0,
        "semantic token data length {}",
        nums.len()
    );
    let mut out = Vec::new();
    let (mut line, mut start) = (0, 0);
    for c in nums.chunks(5) {
        if c[0] > 0 {
            line += c[0];
            start = c[1];
        } else {
            start += c[1];
        }
        out.push((line, start, c[2], c[3], c[4]));
    }
    out
}

/// Every string inside `v` (keys and values), for loose checks on free-form results.
pub fn all_strings(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(m) => {
                for (k, x) in m {
                    out.push(k.clone());
                    walk(x, out);
                }
            }
            _ => {}
        }
    }
    walk(v, &mut out);
    out
}

/// The Markdown (or plain) text of a hover result.
pub fn hover_text(h: &Value) -> String {
    match &h["contents"] {
        Value::String(s) => s.clone(),
        Value::Object(m) => m
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().or(x["value"].as_str()).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The locations of a definition/references result (Location, Location[] or LocationLink[]),
/// as (path, range).
pub fn locations(v: &Value) -> Vec<(PathBuf, Value)> {
    let items: Vec<Value> = match v {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    };
    items
        .iter()
        .map(|l| {
            if l.get("targetUri").is_some() {
                (path_of(&l["targetUri"]), l["targetSelectionRange"].clone())
            } else {
                (path_of(&l["uri"]), l["range"].clone())
            }
        })
        .collect()
}
