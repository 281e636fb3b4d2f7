//! Command-line parsing and dispatch. Exit codes: 0 clean, 1 findings at the failing level,
//! 2 usage or I/O error.

mod check;
mod mentions;
mod rules;
mod scan;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use skills_runtime::rules::Profile;

pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

pub const USAGE: &str = "\
skills-lsp — checks skills workspaces (SKILL.md, mentions, config/runtime.yaml) exactly as the
skills-runtime-sdk reference runtime reads them.

USAGE:
    skills-lsp [lsp] [--stdio]               run the language server over stdio (the default)
    skills-lsp --check [PATH...] [OPTIONS]   lint a workspace (default: the current directory)
    skills-lsp --explain CODE                explain a rule (e.g. SK107)
    skills-lsp rules [--format human|json|markdown]  list every rule
    skills-lsp mentions [FILE|-]             print the mentions the runtime extracts, as JSON lines
    skills-lsp scan [OPTIONS]                print the skill index as JSON

OPTIONS:
    --workspace-root DIR       workspace root (default: current directory); paths print relative to it
    --config FILE              extra runtime.yaml overlay, after discovered ones (repeatable)
    --profile PROFILE          runtime (default) or agentskills
    --format FORMAT            human (default), json, github or sarif
    --strict                   warnings also fail the check (exit 1)
    --rule CODE=LEVEL          set a rule's level: error, warning, info or off (repeatable;
                               after skills-lsp.toml)
    --include GLOB             also check matching files for mentions (repeatable)
    --exclude GLOB             drop findings in matching files (repeatable)
    --no-dotenv                do not read .env
    -h, --help                 print this help
    -V, --version              print the version

A PATH that is a directory containing config/runtime.yaml is checked as a workspace of its own;
without PATHs and without a config at the root, so is every such directory below the root.
Exit codes: 0 clean, 1 findings at error level (or warnings with --strict), 2 usage or I/O error.
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Github,
    Sarif,
    /// Only for `skills-lsp rules`.
    Markdown,
}

#[derive(Debug, Default)]
pub struct CommonArgs {
    pub workspace_root: Option<PathBuf>,
    pub configs: Vec<PathBuf>,
    pub no_dotenv: bool,
    /// `--rule CODE=LEVEL`, applied after `skills-lsp.toml`.
    pub rules: Vec<String>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

fn value(parser: &mut lexopt::Parser, flag: &str) -> Result<OsString, String> {
    parser.value().map_err(|_| format!("{flag} needs a value"))
}

fn string(v: OsString, flag: &str) -> Result<String, String> {
    v.into_string()
        .map_err(|_| format!("{flag}: value is not valid UTF-8"))
}

/// Writes command output; a closed pipe (`skills-lsp rules | head`) is not an error.
pub fn write_stdout(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write output: {e}"))
        }
        _ => Ok(()),
    }
}

pub fn run(args: Vec<OsString>) -> Result<ExitCode, String> {
    use lexopt::prelude::*;
    let no_args = args.is_empty();
    let mut parser = lexopt::Parser::from_args(args);
    let mut mode: Option<&'static str> = None;
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut common = CommonArgs::default();
    let mut profile = None;
    let mut format = Format::Human;
    let mut strict = false;
    let mut explain = None;
    let set_mode = |m: &'static str, mode: &mut Option<&'static str>| -> Result<(), String> {
        match mode {
            Some(prev) if *prev != m => Err(format!("`{m}` cannot be combined with `{prev}`")),
            _ => {
                *mode = Some(m);
                Ok(())
            }
        }
    };
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("check") => set_mode("--check", &mut mode)?,
            // Editors launch language servers with `--stdio`.
            Long("stdio") => set_mode("lsp", &mut mode)?,
            Long("explain") => {
                set_mode("--explain", &mut mode)?;
                explain = Some(string(value(&mut parser, "--explain")?, "--explain")?);
            }
            Long("workspace-root") => {
                common.workspace_root = Some(value(&mut parser, "--workspace-root")?.into())
            }
            Long("config") => common.configs.push(value(&mut parser, "--config")?.into()),
            Long("profile") => {
                let p = string(value(&mut parser, "--profile")?, "--profile")?;
                profile = Some(Profile::parse(&p).ok_or_else(|| {
                    format!("--profile: unknown profile `{p}` (expected runtime or agentskills)")
                })?);
            }
            Long("format") => {
                let f = string(value(&mut parser, "--format")?, "--format")?;
                format = match f.as_str() {
                    "human" | "text" => Format::Human,
                    "json" => Format::Json,
                    "github" => Format::Github,
                    "sarif" => Format::Sarif,
                    "markdown" => Format::Markdown,
                    other => {
                        return Err(format!(
                            "--format: unknown format `{other}` (expected human, json, github or sarif)"
                        ));
                    }
                };
            }
            Long("strict") => strict = true,
            Long("rule") => common
                .rules
                .push(string(value(&mut parser, "--rule")?, "--rule")?),
            Long("include") => common
                .include
                .push(string(value(&mut parser, "--include")?, "--include")?),
            Long("exclude") => common
                .exclude
                .push(string(value(&mut parser, "--exclude")?, "--exclude")?),
            Long("no-dotenv") => common.no_dotenv = true,
            Short('h') | Long("help") => {
                write_stdout(USAGE)?;
                return Ok(ExitCode::SUCCESS);
            }
            Short('V') | Long("version") => {
                write_stdout(&format!("skills-lsp {}\n", env!("CARGO_PKG_VERSION")))?;
                return Ok(ExitCode::SUCCESS);
            }
            Value(v) if mode.is_none() => {
                let word = string(v, "command")?;
                match word.as_str() {
                    "check" => set_mode("--check", &mut mode)?,
                    "lsp" => set_mode("lsp", &mut mode)?,
                    "mentions" => set_mode("mentions", &mut mode)?,
                    "scan" => set_mode("scan", &mut mode)?,
                    "rules" => set_mode("rules", &mut mode)?,
                    "explain" => {
                        set_mode("--explain", &mut mode)?;
                        explain = Some(string(value(&mut parser, "explain")?, "explain")?);
                    }
                    other => {
                        return Err(format!(
                            "unknown command `{other}`; run `skills-lsp --help`"
                        ));
                    }
                }
            }
            Value(v) => paths.push(v.into()),
            other => return Err(format!("{}; run `skills-lsp --help`", other.unexpected())),
        }
    }
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    match mode {
        Some("--check") => check::run(
            check::CheckArgs {
                paths,
                common,
                profile,
                format,
                strict,
            },
            &cwd,
        ),
        Some("--explain") => rules::explain(explain.as_deref().unwrap_or_default()),
        Some("rules") => rules::list(format),
        Some("mentions") => mentions::run(&paths),
        Some("scan") => scan::run(&common, &cwd),
        Some("lsp") => Ok(crate::server::run_stdio()),
        None if no_args => Ok(crate::server::run_stdio()),
        _ => {
            eprint!("{USAGE}");
            Err("no command given (run with no arguments for the language server; use --check to lint)".into())
        }
    }
}
