//! `skills-lsp`: one binary for CI linting (`--check`), terminal tools (`mentions`, `scan`,
//! `--explain`, `rules`) and, in later releases, the language server.

mod cli;
// Editor features; the language server (lsp-core) calls them.
#[allow(dead_code, unused_imports)]
mod ide;
mod render;
mod server;
mod session;
mod text;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run(std::env::args_os().skip(1).collect()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("skills-lsp: {e}");
            ExitCode::from(cli::EXIT_USAGE)
        }
    }
}
