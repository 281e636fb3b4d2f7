//! `skills-lsp run "TASK"`: runs an agent in a workspace from the terminal.
//!
//! The engine lives in `skills_runtime::agent::run`; this module only chooses the backend and
//! the approval provider, renders events (human or `--json`, which prints exactly the WAL
//! lines), asks questions on the terminal, and turns Ctrl-C into a cancellation.

mod render;
mod terminal;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use skills_runtime::agent::approvals::{ApprovalDecision, ApprovalProvider, FixedApprovals};
use skills_runtime::agent::llm::ChatBackend;
use skills_runtime::agent::llm::openai::OpenAiBackend;
use skills_runtime::agent::llm::scripted::ScriptedBackend;
use skills_runtime::agent::run::{RunRequest, RunSetup, RunStatus, start};
use skills_runtime::agent::tools::HumanIo;
use skills_runtime::config::LoadOptions;

use super::{CommonArgs, string, value};

pub const USAGE: &str = "\
USAGE:
    skills-lsp run \"TASK\" [OPTIONS]

Runs an agent on TASK in the workspace: skills mentioned in TASK ($[namespace].name) are
injected, the model's tool calls go through the safety gate, and every event is recorded in
<workspace>/.skills_runtime_sdk/runs/<run_id>/events.jsonl.

OPTIONS:
    --workspace-root DIR         workspace root (default: the current directory)
    --config FILE                extra runtime.yaml overlay (repeatable)
    --backend openai|scripted:FILE
                                 openai (default): the OpenAI-compatible endpoint of llm.base_url,
                                 key from the variable named by llm.api_key_env (.env read);
                                 scripted:FILE: replay the `llm_calls` of a JSON script
    --approve ask|all|none       ask (default): ask on the terminal (no terminal: a call that needs
                                 approval fails the run); all: approve everything; none: deny
    --json                       print the run's events as JSON lines (exactly the WAL lines)
    --no-dotenv                  do not read .env

Exit codes: 0 completed, 1 failed, 2 usage error, 3 waiting for a human, 130 cancelled (Ctrl-C).
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Approve {
    Ask,
    All,
    None,
}

#[derive(Debug)]
enum Backend {
    OpenAi,
    Scripted(PathBuf),
}

struct RunArgs {
    task: String,
    backend: Backend,
    approve: Approve,
    json: bool,
}

/// Parses what follows `run` and runs it. `common` holds the options given before `run`.
pub fn command(parser: &mut lexopt::Parser, mut common: CommonArgs) -> Result<ExitCode, String> {
    use lexopt::prelude::*;
    let mut task: Option<String> = None;
    let mut backend = Backend::OpenAi;
    let mut approve = Approve::Ask;
    let mut json = false;
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("workspace-root") => {
                common.workspace_root = Some(value(parser, "--workspace-root")?.into())
            }
            Long("config") => common.configs.push(value(parser, "--config")?.into()),
            Long("no-dotenv") => common.no_dotenv = true,
            Long("backend") => {
                let b = string(value(parser, "--backend")?, "--backend")?;
                backend = match b.as_str() {
                    "openai" => Backend::OpenAi,
                    _ => match b.strip_prefix("scripted:") {
                        Some(f) if !f.is_empty() => Backend::Scripted(f.into()),
                        _ => {
                            return Err(format!(
                                "--backend: unknown backend `{b}` (expected openai or scripted:FILE)"
                            ));
                        }
                    },
                };
            }
            Long("approve") => {
                let a = string(value(parser, "--approve")?, "--approve")?;
                approve = match a.as_str() {
                    "ask" => Approve::Ask,
                    "all" => Approve::All,
                    "none" => Approve::None,
                    other => {
                        return Err(format!(
                            "--approve: unknown mode `{other}` (expected ask, all or none)"
                        ));
                    }
                };
            }
            Long("json") => json = true,
            Short('h') | Long("help") => {
                super::write_stdout(USAGE)?;
                return Ok(ExitCode::SUCCESS);
            }
            Value(v) if task.is_none() => task = Some(string(v, "TASK")?),
            Value(v) => {
                return Err(format!(
                    "run takes one TASK (quote it); unexpected `{}`",
                    v.to_string_lossy()
                ));
            }
            other => {
                return Err(format!(
                    "{}; run `skills-lsp run --help`",
                    other.unexpected()
                ));
            }
        }
    }
    let Some(task) = task.filter(|t| !t.trim().is_empty()) else {
        eprint!("{USAGE}");
        return Err("run needs a TASK".into());
    };
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let args = RunArgs {
        task,
        backend,
        approve,
        json,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let code = runtime.block_on(execute(args, common, &cwd));
    // A question still waiting on the terminal must not keep the process alive.
    runtime.shutdown_background();
    code
}

async fn execute(args: RunArgs, common: CommonArgs, cwd: &Path) -> Result<ExitCode, String> {
    let root = match &common.workspace_root {
        Some(p) => cwd.join(p),
        None => cwd.to_path_buf(),
    };
    if !root.is_dir() {
        return Err(format!(
            "--workspace-root {}: not a directory",
            root.display()
        ));
    }
    let mut opts = LoadOptions::new(root.canonicalize().unwrap_or(root));
    opts.cli_overlays = common.configs.clone();
    opts.use_dotenv = !common.no_dotenv;
    let mut setup = RunSetup::load(&opts)?;

    setup.backend = Some(match &args.backend {
        Backend::Scripted(file) => {
            Arc::new(ScriptedBackend::from_file(&cwd.join(file))?) as Arc<dyn ChatBackend>
        }
        Backend::OpenAi => Arc::new(
            OpenAiBackend::from_env(&setup.config.llm, &setup.workspace.env)
                .map_err(|e| e.to_string())?,
        ),
    });

    let interactive = std::io::stdin().is_terminal();
    let mut prompter = None;
    match args.approve {
        Approve::All => {
            eprintln!(
                "skills-lsp: --approve all: EVERY TOOL CALL THAT NEEDS APPROVAL RUNS WITHOUT ASKING"
            );
            setup.approvals = Some(Arc::new(FixedApprovals(ApprovalDecision::Approved)));
        }
        Approve::None => {
            setup.approvals = Some(Arc::new(FixedApprovals(ApprovalDecision::Denied)));
        }
        Approve::Ask if interactive => {
            let p = Arc::new(terminal::Prompter::new(&setup.workspace.workspace_root));
            setup.approvals = Some(p.clone() as Arc<dyn ApprovalProvider>);
            prompter = Some(p);
        }
        Approve::Ask => {
            eprintln!(
                "skills-lsp: standard input is not a terminal: no one can approve tool calls, so one that needs approval fails the run (use --approve all or --approve none)"
            );
        }
    }
    if interactive {
        let p = match &prompter {
            Some(p) => p.clone(),
            None => Arc::new(terminal::Prompter::new(&setup.workspace.workspace_root)),
        };
        setup.human = Some(p.clone() as Arc<dyn HumanIo>);
        prompter = Some(p);
    }

    let interrupts = interrupt_stream()?;
    let mut handle = start(setup, RunRequest::new(args.task)).map_err(|e| e.to_string())?;
    let cancel = handle.cancel_token();
    tokio::spawn(async move {
        let mut interrupts = interrupts;
        let mut count = 0u32;
        while interrupts.recv().await.is_some() {
            count += 1;
            if count == 1 {
                eprintln!("\nskills-lsp: cancelling the run (Ctrl-C again to quit at once)");
                cancel.cancel();
            } else {
                std::process::exit(130);
            }
        }
    });

    let approvals_asked = interactive && args.approve == Approve::Ask;
    let mut out = render::Renderer::new(args.json, approvals_asked, interactive);
    let mut prompts = prompter.as_ref().map(|p| p.requests());
    let mut status = None;
    loop {
        tokio::select! {
            event = handle.next_event() => match event {
                Some(e) => {
                    if e.is_terminal() {
                        status = RunStatus::of_terminal(&e.kind);
                    }
                    out.event(&e)?;
                }
                None => break,
            },
            Some(request) = async {
                match prompts.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            } => {
                // Everything the run emitted before asking is shown before the question.
                while let Some(e) = handle.try_next_event() {
                    if e.is_terminal() {
                        status = RunStatus::of_terminal(&e.kind);
                    }
                    out.event(&e)?;
                }
                out.before_prompt()?;
                let p = prompter.as_ref().expect("prompts come from the prompter");
                p.answer(request, &handle.cancel_token()).await;
            }
        }
    }
    let result = handle.wait().await;
    out.finish(&result)?;
    Ok(match status.unwrap_or(result.status) {
        RunStatus::Completed => ExitCode::SUCCESS,
        RunStatus::Failed => ExitCode::from(1),
        RunStatus::WaitingHuman => ExitCode::from(3),
        RunStatus::Cancelled => ExitCode::from(130),
    })
}

/// Ctrl-C presses, with the handler installed before this returns (so an early press cancels
/// the run instead of killing the process, which would leave its commands running).
fn interrupt_stream() -> Result<tokio::sync::mpsc::UnboundedReceiver<()>, String> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut sigint =
            signal(SignalKind::interrupt()).map_err(|e| format!("cannot handle Ctrl-C: {e}"))?;
        tokio::spawn(async move {
            while sigint.recv().await.is_some() {
                if tx.send(()).is_err() {
                    return;
                }
            }
        });
    }
    #[cfg(not(unix))]
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            if tx.send(()).is_err() {
                return;
            }
        }
    });
    Ok(rx)
}
