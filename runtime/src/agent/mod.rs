//! Agent runs: the engine behind `skills-lsp run` and the editor's run commands
//! (`../shared/spec/agent-runs.md`). A run resolves the skills mentioned in its task, talks to an
//! LLM backend, executes tool calls behind the safety gate and the OS sandbox, and records every
//! event in the run's WAL (`events.jsonl`).
//!
//! Module map (each owns one concern of the spec):
//! - [`run`]: the engine — `start` a run, get a `RunHandle` (events, cancel, result); the turn
//!   loop, the tool phase, terminal events (§1).
//! - [`events`], [`wal`]: the event envelope and types (§6.2–6.3); `events.jsonl` (§6.1).
//! - [`approvals`]: approval providers, the session cache and the loop guard (§4.5, §4.8, §4.9).
//! - `prompt`, `skills`: the messages of a turn and the skills injected into them (§1.4).
//! - [`llm`]: the chat-backend protocol (spec §2.1–2.2) and its backends (scripted, OpenAI).
//! - [`tools`]: built-in tools, their schemas, result envelope and path confinement (§3).
//! - [`safety`]: guard risk rules, shell intent parsing, policy, sanitized approval requests and
//!   the byte-exact `approval_key` (§4).
//! - [`json`]: JSON text exactly as Python's `json.dumps` writes it (WAL, tool messages, keys).
//! - [`config`]: the run-relevant settings read from the merged `runtime.yaml` overlays.
//! - [`cancel`]: cooperative cancellation shared by the loop, the backends and the tools.
//! - [`exec`]: the command executor (process groups, output caps, timeout and cancellation).
//! - [`sandbox`]: the OS sandbox policy and adapters (bubblewrap, seatbelt) around commands (§5).

pub mod approvals;
pub mod cancel;
pub mod config;
pub mod events;
pub mod exec;
pub mod json;
pub mod llm;
pub(crate) mod prompt;
pub mod run;
pub mod safety;
pub mod sandbox;
pub(crate) mod skills;
pub mod tools;
pub mod wal;
