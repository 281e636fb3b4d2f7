//! `skills-lsp`: one binary for the language server (no arguments), CI linting (`--check`) and
//! terminal tools (`mentions`, `scan`, `--explain`, `rules`).

mod cli;
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
