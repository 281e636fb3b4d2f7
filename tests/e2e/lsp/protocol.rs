//! The protocol itself: capabilities, position encodings, lifecycle (shutdown/exit) and
//! robustness against malformed input.

use std::time::Duration;

use serde_json::{Value, json};
use skills_lsp_tests::lsp_client::{ClientSetup, LspClient, Spawn};
use skills_lsp_tests::lsp_text::{Encoding, file_uri};

use crate::support::{BIN, Session, all_strings, standard_workspace};

/// A server with no workspace folder, initialized.
fn bare_server() -> LspClient {
    let dir = std::env::temp_dir();
    let mut c = LspClient::spawn(&Spawn::new(BIN, &dir));
    c.initialize(ClientSetup::new(&[]).params());
    c
}

/// A cheap request that must always succeed: proves the server still answers.
fn still_answers(c: &mut LspClient) {
    let r = c.request_result("workspace/symbol", json!({"query": "zzz-none"}));
    assert!(r.is_ok(), "the server no longer answers correctly: {r:?}");
    assert!(c.is_running(), "the server died");
}

#[test]
fn initialize_advertises_every_feature() {
    let ws = standard_workspace("caps");
    let s = Session::start(&[&ws.root]);
    let caps = &s.init["capabilities"];
    let sync = &caps["textDocumentSync"];
    let change = if sync.is_number() {
        sync.clone()
    } else {
        sync["change"].clone()
    };
    assert_eq!(change, 2, "incremental sync: {sync}");
    if sync.is_object() {
        assert_eq!(sync["openClose"], true, "{sync}");
    }
    let triggers: Vec<String> = caps["completionProvider"]["triggerCharacters"]
        .as_array()
        .unwrap_or_else(|| panic!("completionProvider.triggerCharacters: {caps}"))
        .iter()
        .map(|t| t.as_str().unwrap_or_default().to_owned())
        .collect();
    for t in ["$", "[", ":", "."] {
        assert!(
            triggers.iter().any(|x| x == t),
            "trigger {t:?} in {triggers:?}"
        );
    }
    for key in [
        "hoverProvider",
        "definitionProvider",
        "referencesProvider",
        "codeActionProvider",
        "documentSymbolProvider",
        "workspaceSymbolProvider",
        "documentLinkProvider",
    ] {
        let v = &caps[key];
        assert!(
            v == &json!(true) || v.is_object(),
            "capability {key} missing: {caps}"
        );
    }
    assert_eq!(caps["renameProvider"]["prepareProvider"], true, "{caps}");
    let legend = &caps["semanticTokensProvider"]["legend"];
    assert!(
        legend["tokenTypes"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "semantic tokens legend: {caps}"
    );
    let full = &caps["semanticTokensProvider"]["full"];
    assert!(full == &json!(true) || full.is_object(), "{caps}");
    let commands = caps["executeCommandProvider"]["commands"].to_string();
    assert!(commands.contains("skills.serverStatus"), "{commands}");
    let folders = &caps["workspace"]["workspaceFolders"];
    assert_eq!(folders["supported"], true, "{caps}");
    assert!(
        folders["changeNotifications"] == true || folders["changeNotifications"].is_string(),
        "{caps}"
    );
    assert_eq!(s.init["serverInfo"]["name"], "skills-lsp", "{}", s.init);
    assert_eq!(
        s.init["serverInfo"]["version"],
        env!("CARGO_PKG_VERSION"),
        "{}",
        s.init
    );
    s.shutdown();
}

#[test]
fn utf8_is_negotiated_when_the_client_offers_it() {
    for offered in [
        vec![Encoding::Utf8, Encoding::Utf16],
        vec![Encoding::Utf16, Encoding::Utf8],
    ] {
        let mut c = LspClient::spawn(&Spawn::new(BIN, &std::env::temp_dir()));
        let mut setup = ClientSetup::new(&[]);
        setup.encodings = offered.clone();
        let r = c.initialize(setup.params());
        assert_eq!(
            r["capabilities"]["positionEncoding"], "utf-8",
            "offered {offered:?}: {r}"
        );
        assert_eq!(c.shutdown_and_exit(), 0);
    }
}

#[test]
fn utf16_is_used_when_the_client_does_not_offer_utf8() {
    for offered in [vec![], vec![Encoding::Utf16]] {
        let mut c = LspClient::spawn(&Spawn::new(BIN, &std::env::temp_dir()));
        let mut setup = ClientSetup::new(&[]);
        setup.encodings = offered.clone();
        let r = c.initialize(setup.params());
        let enc = &r["capabilities"]["positionEncoding"];
        assert!(
            enc.is_null() || enc == "utf-16",
            "offered {offered:?}, got {enc}"
        );
        assert_eq!(c.shutdown_and_exit(), 0);
    }
}

#[test]
fn columns_follow_the_negotiated_encoding() {
    // "😀 日本 " is 4+1+6+1 = 12 UTF-8 bytes and 2+1+2+1 = 6 UTF-16 code units.
    let text =
        "---\r\nname: demo\r\ndescription: d\r\n---\r\n😀 日本 $[acme:docs].missing here\r\n";
    for (enc, start, end) in [(Encoding::Utf8, 12, 32), (Encoding::Utf16, 6, 26)] {
        let ws = standard_workspace(&format!("columns-{}", enc.as_str()));
        let path = ws.root.join("library/docs/demo/SKILL.md");
        ws.file("library/docs/demo/SKILL.md", text);
        let mut setup = ClientSetup::new(&[&ws.root]);
        if enc == Encoding::Utf8 {
            setup.encodings = vec![Encoding::Utf8, Encoding::Utf16];
        }
        let mut s = Session::start_with(setup);
        assert_eq!(s.enc(), enc);
        let uri = s.open(&path, text);
        let diags = s.diagnostics(&uri);
        let d = diags
            .iter()
            .find(|d| d["code"] == "SK301")
            .unwrap_or_else(|| panic!("no SK301 in {diags:?}"));
        assert_eq!(
            d["range"],
            json!({"start": {"line": 4, "character": start}, "end": {"line": 4, "character": end}}),
            "{enc:?}"
        );
        // A hover at the last character of the mention lands on it in this encoding.
        let h = s.at(
            "textDocument/hover",
            &uri,
            skills_lsp_tests::lsp_text::Pos::new(4, end - 1),
            json!({}),
        );
        assert!(
            crate::support::hover_text(&h).contains("missing"),
            "{enc:?}: hover at the mention's end: {h}"
        );
        s.shutdown();
    }
}

#[test]
fn indexed_notification_reports_the_folder_and_counts() {
    let ws = standard_workspace("indexed");
    let mut c = LspClient::spawn(&Spawn::new(BIN, &ws.root));
    c.initialize(ClientSetup::new(&[&ws.root]).params());
    let p = c.wait_notification("skills/indexed");
    assert!(
        crate::support::folder_matches(&p["folder"], &ws.root, &file_uri(&ws.root)),
        "{p}"
    );
    assert_eq!(p["skills"], 5, "{p}");
    assert!(p["files"].as_u64().is_some_and(|n| n >= 5), "{p}");
    assert!(p["elapsedMs"].is_number(), "{p}");
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn server_status_command_reports_the_workspace() {
    let ws = standard_workspace("status");
    ws.file("library/ops/broken/SKILL.md", "---\nname: broken\n---\n");
    let mut s = Session::start(&[&ws.root]);
    let r = s.client.request(
        "workspace/executeCommand",
        json!({"command": "skills.serverStatus", "arguments": []}),
    );
    assert_eq!(r["version"], env!("CARGO_PKG_VERSION"), "{r}");
    assert_eq!(
        r["skills"], 5,
        "skill count (the broken one is rejected): {r}"
    );
    let folder = &r["folders"][0];
    assert_eq!(folder["path"], ws.root.to_str().unwrap(), "{r}");
    let config_files = folder["workspaces"][0]["configFiles"].to_string();
    assert!(
        config_files.contains("config/runtime.yaml"),
        "config files in force: {r}"
    );
    let errors = all_strings(&r["errors"]).join("\n");
    assert!(
        errors.contains("broken/SKILL.md"),
        "the scan error is listed: {r}"
    );
    s.shutdown();
}

#[test]
fn lsp_subcommand_with_stdio_speaks_lsp() {
    let mut c = LspClient::spawn(&Spawn::new(BIN, &std::env::temp_dir()).args(&["lsp", "--stdio"]));
    let r = c.initialize(ClientSetup::new(&[]).params());
    assert!(r["capabilities"].is_object(), "{r}");
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn exit_after_shutdown_ends_with_code_0() {
    let mut c = bare_server();
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn exit_without_shutdown_ends_with_code_1() {
    let mut c = bare_server();
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit(), 1);
}

#[test]
fn requests_after_shutdown_are_invalid() {
    let mut c = bare_server();
    assert_eq!(c.request("shutdown", Value::Null), Value::Null);
    let err = c
        .request_result("workspace/symbol", json!({"query": ""}))
        .expect_err("a request after shutdown must fail");
    assert_eq!(err["code"], -32600, "InvalidRequest: {err}");
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit(), 0);
}

#[test]
fn requests_before_initialize_are_rejected() {
    let mut c = LspClient::spawn(&Spawn::new(BIN, &std::env::temp_dir()));
    let err = c
        .request_result("workspace/symbol", json!({"query": ""}))
        .expect_err("a request before initialize must fail");
    assert_eq!(err["code"], -32002, "ServerNotInitialized: {err}");
    c.initialize(ClientSetup::new(&[]).params());
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn end_of_input_ends_the_server() {
    let mut c = bare_server();
    c.close_stdin();
    assert!(
        c.try_wait_exit(Duration::from_secs(10)).is_some(),
        "the server kept running after its stdin closed"
    );
}

#[test]
fn unknown_methods_are_answered_and_ignored() {
    let mut c = bare_server();
    let err = c
        .request_result("skills/noSuchMethod", json!({"x": 1}))
        .expect_err("unknown request");
    assert_eq!(err["code"], -32601, "MethodNotFound: {err}");
    c.notify("skills/noSuchNotification", json!({}));
    c.notify("$/noSuchNotification", json!({}));
    let err = c
        .request_result(
            "workspace/executeCommand",
            json!({"command": "skills.noSuchCommand", "arguments": []}),
        )
        .expect_err("unknown command");
    assert!(err["code"].is_i64(), "{err}");
    still_answers(&mut c);
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn invalid_params_are_an_error_not_a_crash() {
    let mut c = bare_server();
    let err = c
        .request_result("textDocument/hover", json!(42))
        .expect_err("hover with params 42");
    assert_eq!(err["code"], -32602, "InvalidParams: {err}");
    // Positions in a document that was never opened, and a change to it.
    let uri = "file:///nonexistent/never-opened/SKILL.md";
    let r = c.request_result(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 99, "character": 99}}),
    );
    assert!(
        r.is_ok() || r.as_ref().unwrap_err()["code"].is_i64(),
        "{r:?}"
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": "x"}]}),
    );
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": 17}}));
    still_answers(&mut c);
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn malformed_messages_do_not_kill_the_server() {
    let mut c = bare_server();
    // A body that is not JSON: the server answers with a parse error (or stays silent).
    c.send_raw(b"Content-Length: 9\r\n\r\n{\"oops\": ");
    still_answers(&mut c);
    // JSON that is not a JSON-RPC message.
    c.send_raw(b"Content-Length: 2\r\n\r\n[]");
    c.send_raw(b"Content-Length: 4\r\n\r\nnull");
    c.send_value(&json!({"jsonrpc": "2.0", "id": 900, "params": {}}));
    still_answers(&mut c);
    // Invalid UTF-8 in a body.
    c.send_raw(b"Content-Length: 4\r\n\r\n\xff\xfe\xfd\xfc");
    still_answers(&mut c);
    // A header without a length, then garbage before the next header.
    c.send_raw(b"Content-Type: application/json\r\n\r\n");
    c.send_raw(b"garbage\r\n");
    still_answers(&mut c);
    let garbage = c.garbage().to_vec();
    assert!(
        garbage.is_empty(),
        "the server wrote something that is not a message: {garbage:?}"
    );
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn a_parse_error_is_reported_with_a_null_id() {
    let mut c = bare_server();
    c.send_raw(b"Content-Length: 9\r\n\r\n{\"oops\": ");
    let m = c.wait_for("a parse error response", |m| m.get("error").is_some());
    assert_eq!(m["id"], Value::Null, "{m}");
    assert_eq!(m["error"]["code"], -32700, "{m}");
    still_answers(&mut c);
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn a_client_that_refuses_progress_and_registration_still_gets_service() {
    let ws = standard_workspace("refusing-client");
    let mut c = LspClient::spawn(&Spawn::new(BIN, &ws.root));
    c.on_request("window/workDoneProgress/create", |_| {
        Err((-32603, "no progress here".into()))
    });
    c.on_request("client/registerCapability", |_| {
        Err((-32603, "no registrations here".into()))
    });
    c.on_request("workspace/configuration", |_| Err((-32601, "no".into())));
    c.initialize(ClientSetup::new(&[&ws.root]).params());
    let p = c.wait_notification("skills/indexed");
    assert_eq!(p["skills"], 5, "{p}");
    let path = ws.root.join("notes/a.md");
    let uri = file_uri(&path);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": "See $[ops].nope.\n"}}),
    );
    let d = c.wait_diagnostics(&uri, Some(1));
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(c.is_running());
    assert_eq!(c.shutdown_and_exit(), 0);
}

#[test]
fn no_dynamic_registration_without_client_support() {
    let ws = standard_workspace("no-dynamic");
    let mut setup = ClientSetup::new(&[&ws.root]);
    setup.watched_files_dynamic = false;
    let mut s = Session::start_with(setup);
    // `initialized` has been handled (the folder is indexed); give stray requests a moment.
    let reg = s.client.try_wait_for(Duration::from_millis(300), |m| {
        m["method"] == "client/registerCapability"
            && m["params"].to_string().contains("didChangeWatchedFiles")
    });
    assert!(reg.is_none(), "registered watchers anyway: {reg:?}");
    s.shutdown();
}
