//! End-to-end tests of the language server: the real `skills-lsp` binary over stdio, driven by
//! our own JSON-RPC client (`skills_lsp_tests::lsp_client`), on workspaces built in temp dirs.
//! One module per area; `support` holds the fixture workspace and the session helpers.

mod support;

mod diagnostics;
mod edits;
mod features;
mod protocol;
mod settings;
mod workspace;
