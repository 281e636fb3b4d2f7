//! Settings: `initializationOptions` and `workspace/configuration` (section `skills`) on top of
//! each folder's `skills-lsp.toml`; bad entries are reported, never fatal.

use serde_json::json;
use skills_lsp_tests::lsp_client::ClientSetup;

use crate::support::{Session, codes, standard_workspace};

const UNKNOWN: &str = "Try $[acme:docs].nope.\n";

#[test]
fn rule_levels_from_initialization_options() {
    let ws = standard_workspace("settings-init");
    let mut setup = ClientSetup::new(&[&ws.root]);
    setup.configuration = false;
    setup.initialization_options = Some(json!({"skills": {"rules": {"SK301": "error"}}}));
    let mut s = Session::start_with(setup);
    let uri = s.open(&ws.root.join("notes/a.md"), UNKNOWN);
    let d = s.diagnostics(&uri);
    assert_eq!(codes(&d), ["SK301"], "{d:?}");
    assert_eq!(d[0]["severity"], 1, "raised to error: {d:?}");
    s.shutdown();
}

#[test]
fn workspace_configuration_is_read_again_when_it_changes() {
    let ws = standard_workspace("settings-config");
    let mut setup = ClientSetup::new(&[&ws.root]);
    setup.configuration = true;
    let mut s = Session::start_with(setup);
    let uri = s.open(&ws.root.join("notes/a.md"), UNKNOWN);
    assert_eq!(codes(&s.diagnostics(&uri)), ["SK301"]);
    s.client.clear_inbox();
    s.client
        .set_configuration(json!({"rules": {"unknown-skill": "off"}}));
    s.client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    );
    s.client.wait_server_request("workspace/configuration");
    s.client
        .wait_diagnostics_where(&uri, |p| p["diagnostics"] == json!([]));

    s.client
        .set_configuration(json!({"rules": {"SK301": "info"}}));
    s.client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    );
    let d = s.client.wait_diagnostics_where(&uri, |p| {
        p["diagnostics"].as_array().is_some_and(|a| !a.is_empty())
    });
    assert_eq!(codes(&d), ["SK301"], "{d:?}");
    assert_eq!(d[0]["severity"], 3, "information: {d:?}");
    s.shutdown();
}

#[test]
fn invalid_settings_are_reported_and_ignored() {
    let ws = standard_workspace("settings-invalid");
    let mut setup = ClientSetup::new(&[&ws.root]);
    setup.configuration = false;
    setup.initialization_options = Some(json!({"skills": {
        "rules": {"SK999": "error", "SK301": "loud", "SK303": "off"},
        "profile": "strictest",
        "bogus": 1
    }}));
    let mut s = Session::start_with(setup);
    for needle in ["SK999", "loud", "strictest", "bogus"] {
        s.client
            .wait_for(&format!("a message about {needle}"), |m| {
                (m["method"] == "window/showMessage" || m["method"] == "window/logMessage")
                    && m["params"]["message"]
                        .as_str()
                        .is_some_and(|t| t.contains(needle))
            });
    }
    // The valid entry still applies, and the server works.
    let uri = s.open(
        &ws.root.join("notes/a.md"),
        "Try $[acme:docs].Style-guide and $[acme:docs].nope.\n",
    );
    assert_eq!(codes(&s.diagnostics(&uri)), ["SK301"], "SK303 is off");
    s.shutdown();
}
