//! The command executor behind the shell tools (spec §3.4, §1.7): runs one argv in its own
//! process group, captures bounded stdout/stderr tails, and enforces the timeout and the run's
//! cancellation by killing the **whole group** (SIGTERM, 200 ms grace, SIGKILL).
//!
//! Unlike the reference, no process of the group outlives the call: once the command itself
//! has exited, anything it left running in its group (`cmd &`) is terminated the same way, so a
//! tool call never leaks background work into the editor's process tree. The child's stdin is
//! `/dev/null` (the reference inherits it, which under a language server would be the protocol
//! stream).

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use crate::agent::cancel::CancelToken;

/// Per-stream and combined capture caps, and the marker put before a kept tail.
pub const MAX_STDOUT_BYTES: usize = 64 * 1024;
pub const MAX_STDERR_BYTES: usize = 64 * 1024;
pub const MAX_COMBINED_BYTES: usize = 128 * 1024;
pub const TRUNCATE_MARKER: &str = "...<truncated>\n";
/// Time between SIGTERM and SIGKILL.
pub const TERMINATE_GRACE: Duration = Duration::from_millis(200);
/// `shell_exec`'s timeout when the call gives none.
pub const DEFAULT_TIMEOUT_MS: u64 = 60_000;

/// One command to run.
#[derive(Debug, Clone)]
pub struct CommandSpec<'a> {
    pub argv: &'a [String],
    pub cwd: &'a Path,
    /// Added over the process environment (later wins).
    pub env: &'a HashMap<String, String>,
    pub timeout_ms: u64,
}

/// The reference's `CommandResult`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandResult {
    pub ok: bool,
    /// `None` after a timeout or cancellation; negative signal number when a signal ended it.
    pub exit_code: Option<i64>,
    pub stdout: String,
    pub stderr: String,
    pub duration_ms: u64,
    pub timeout: bool,
    pub truncated: bool,
    /// `timeout`, `cancelled`, `exit_code`, `not_found`, `validation`, `unknown`.
    pub error_kind: Option<&'static str>,
}

impl CommandResult {
    fn failed(kind: &'static str, stderr: String, started: Instant) -> Self {
        CommandResult {
            stderr,
            duration_ms: elapsed_ms(started),
            error_kind: Some(kind),
            ..CommandResult::default()
        }
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Runs `spec` to completion, timeout or cancellation.
pub async fn run_command(spec: &CommandSpec<'_>, cancel: &CancelToken) -> CommandResult {
    let started = Instant::now();
    let Some(program) = spec.argv.first() else {
        return CommandResult::failed("validation", "argv 不能为空".into(), started);
    };
    if !spec.cwd.is_dir() {
        return CommandResult::failed(
            "validation",
            format!("cwd 不存在或不是目录：{}", spec.cwd.display()),
            started,
        );
    }
    if spec.timeout_ms < 1 {
        return CommandResult::failed("validation", "timeout_ms 必须 >= 1".into(), started);
    }

    let mut cmd = Command::new(program);
    cmd.args(&spec.argv[1..])
        .current_dir(spec.cwd)
        .envs(spec.env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            let kind = if e.kind() == std::io::ErrorKind::NotFound {
                "not_found"
            } else {
                "unknown"
            };
            return CommandResult::failed(
                kind,
                crate::agent::tools::os_error_text(&e, program),
                started,
            );
        }
    };
    // The child leads its own group, so its pid is the group id.
    let pgid = child.id().and_then(|p| i32::try_from(p).ok());
    let out_reader = spawn_tail_reader(child.stdout.take(), MAX_STDOUT_BYTES);
    let err_reader = spawn_tail_reader(child.stderr.take(), MAX_STDERR_BYTES);

    let deadline = tokio::time::Instant::now() + Duration::from_millis(spec.timeout_ms);
    #[derive(Clone, Copy)]
    enum End {
        Exited(Option<std::process::ExitStatus>),
        Timeout,
        Cancelled,
    }
    let end = tokio::select! {
        status = child.wait() => End::Exited(status.ok()),
        _ = tokio::time::sleep_until(deadline) => End::Timeout,
        _ = cancel.cancelled() => End::Cancelled,
    };
    // Whatever ended the call, nothing of the group may survive it.
    let exited_status = match end {
        End::Exited(status) => {
            if let Some(pgid) = pgid {
                terminate_group_remnants(pgid).await;
            }
            status
        }
        End::Timeout | End::Cancelled => {
            if let Some(pgid) = pgid {
                terminate_group(pgid, &mut child).await;
            }
            None
        }
    };

    // Readers end when every writer is gone; a process that left the group (setsid) may still
    // hold a pipe, so waiting is bounded by the grace period.
    let (out, out_trunc) = collect(out_reader).await;
    let (err, err_trunc) = collect(err_reader).await;
    let (out, err, combined_trunc) = apply_combined_limit(out, err);
    let truncated = out_trunc || err_trunc || combined_trunc;
    let mut stdout = String::from_utf8_lossy(&out).into_owned();
    let mut stderr = String::from_utf8_lossy(&err).into_owned();
    if truncated {
        if !stdout.is_empty() {
            stdout.insert_str(0, TRUNCATE_MARKER);
        }
        if !stderr.is_empty() {
            stderr.insert_str(0, TRUNCATE_MARKER);
        }
    }
    let mut result = CommandResult {
        stdout,
        stderr,
        duration_ms: elapsed_ms(started),
        truncated,
        ..CommandResult::default()
    };
    match end {
        End::Cancelled => result.error_kind = Some("cancelled"),
        End::Timeout => {
            result.timeout = true;
            result.error_kind = Some("timeout");
        }
        End::Exited(_) => {
            result.exit_code = exited_status.map(exit_code);
            result.ok = result.exit_code == Some(0);
            if !result.ok {
                result.error_kind = Some("exit_code");
            }
        }
    }
    result
}

fn exit_code(status: std::process::ExitStatus) -> i64 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => i64::from(code),
        (None, Some(sig)) => -i64::from(sig),
        (None, None) => -1,
    }
}

fn signal_group(pgid: i32, sig: i32) -> bool {
    // SAFETY: plain syscall; a negative pid addresses the process group.
    unsafe { libc::kill(-pgid, sig) == 0 }
}

/// Timeout or cancellation: SIGTERM to the group, up to 200 ms for the command to exit, then
/// SIGKILL to the group, then reap the command.
async fn terminate_group(pgid: i32, child: &mut Child) {
    signal_group(pgid, libc::SIGTERM);
    let exited = tokio::time::timeout(TERMINATE_GRACE, child.wait())
        .await
        .is_ok();
    if !exited || group_alive(pgid) {
        signal_group(pgid, libc::SIGKILL);
    }
    let _ = child.wait().await;
}

/// After the command exited: whatever it left in its group gets the same SIGTERM → SIGKILL.
async fn terminate_group_remnants(pgid: i32) {
    if !signal_group(pgid, libc::SIGTERM) {
        return; // nothing left in the group
    }
    let until = Instant::now() + TERMINATE_GRACE;
    while Instant::now() < until {
        if !group_alive(pgid) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    signal_group(pgid, libc::SIGKILL);
}

/// Whether some process of the group still runs (zombies waiting for their reaper do not count).
fn group_alive(pgid: i32) -> bool {
    #[cfg(target_os = "linux")]
    {
        live_group_members(pgid) > 0
    }
    #[cfg(not(target_os = "linux"))]
    {
        signal_group(pgid, 0)
    }
}

/// Processes of group `pgid` that are not zombies, read from `/proc`.
#[cfg(target_os = "linux")]
pub fn live_group_members(pgid: i32) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| {
            // `pid (comm) state ppid pgrp ...`; comm may contain spaces and parentheses.
            let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
                return false;
            };
            let mut fields = after.split_whitespace();
            let state = fields.next();
            let pgrp = fields.nth(1).and_then(|s| s.parse::<i32>().ok());
            pgrp == Some(pgid) && state != Some("Z") && state != Some("X")
        })
        .count()
}

struct TailBuffer {
    max: usize,
    buf: std::collections::VecDeque<u8>,
    truncated: bool,
}

impl TailBuffer {
    fn push(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        if self.max == 0 {
            self.truncated = true;
            return;
        }
        if chunk.len() >= self.max {
            self.buf.clear();
            self.buf.extend(&chunk[chunk.len() - self.max..]);
            self.truncated = true;
            return;
        }
        let overflow = (self.buf.len() + chunk.len()).saturating_sub(self.max);
        if overflow > 0 {
            self.buf.drain(..overflow);
            self.truncated = true;
        }
        self.buf.extend(chunk);
    }
}

type Reader = Option<JoinHandle<(Vec<u8>, bool)>>;

fn spawn_tail_reader<R: AsyncRead + Unpin + Send + 'static>(pipe: Option<R>, max: usize) -> Reader {
    let mut pipe = pipe?;
    Some(tokio::spawn(async move {
        let mut tail = TailBuffer {
            max,
            buf: std::collections::VecDeque::new(),
            truncated: false,
        };
        let mut chunk = vec![0u8; 8192];
        loop {
            match pipe.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => tail.push(&chunk[..n]),
            }
        }
        (Vec::from(tail.buf), tail.truncated)
    }))
}

async fn collect(reader: Reader) -> (Vec<u8>, bool) {
    let Some(mut handle) = reader else {
        return (Vec::new(), false);
    };
    match tokio::time::timeout(TERMINATE_GRACE, &mut handle).await {
        Ok(Ok(v)) => v,
        _ => {
            handle.abort();
            (Vec::new(), false)
        }
    }
}

/// The combined cap keeps tails too, dropping from stdout first (stderr helps diagnosis more).
fn apply_combined_limit(mut out: Vec<u8>, mut err: Vec<u8>) -> (Vec<u8>, Vec<u8>, bool) {
    let total = out.len() + err.len();
    if total <= MAX_COMBINED_BYTES {
        return (out, err, false);
    }
    let mut drop = total - MAX_COMBINED_BYTES;
    if drop >= out.len() {
        drop -= out.len();
        out.clear();
    } else {
        out.drain(..drop);
        drop = 0;
    }
    if drop > 0 {
        if drop >= err.len() {
            err.clear();
        } else {
            err.drain(..drop);
        }
    }
    (out, err, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_buffer_keeps_the_last_bytes() {
        let mut t = TailBuffer {
            max: 4,
            buf: Default::default(),
            truncated: false,
        };
        t.push(b"ab");
        t.push(b"cd");
        assert!(!t.truncated);
        t.push(b"ef");
        assert_eq!(Vec::from(t.buf.clone()), b"cdef");
        assert!(t.truncated);
        t.push(b"0123456");
        assert_eq!(Vec::from(t.buf), b"3456");
    }

    #[test]
    fn combined_limit_drops_stdout_first() {
        let out = vec![b'o'; MAX_COMBINED_BYTES];
        let err = vec![b'e'; 10];
        let (o, e, t) = apply_combined_limit(out, err);
        assert!(t);
        assert_eq!(o.len(), MAX_COMBINED_BYTES - 10);
        assert_eq!(e.len(), 10);
    }
}
