//! The command executor behind the shell tools (spec §3.4, §1.7): runs one argv in its own
//! process group, captures bounded stdout/stderr tails, and enforces the timeout and the run's
//! cancellation by killing the **whole group** (SIGTERM, 200 ms grace, SIGKILL).
//!
//! Stricter than the reference, so that a tool call never leaks work into the editor's process
//! tree:
//! - the groups a command's descendants create are tracked while it runs and killed with its
//!   own (bubblewrap's `--new-session` moves the sandboxed command into a new session, out of
//!   reach of a kill aimed at the command's group);
//! - once the command itself has exited, whatever it left running (`cmd &`) is terminated the
//!   same way;
//! - a caller that stops waiting (drops the future, e.g. a run aborted from outside) does not
//!   leave the command behind: every group it spread into is killed at once;
//! - the child's stdin is `/dev/null` (the reference inherits it, which under a language
//!   server would be the protocol stream).

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
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
    let mut groups = child
        .id()
        .and_then(|p| i32::try_from(p).ok())
        .map(ProcessGroups::new);
    let out_reader = spawn_tail_reader(child.stdout.take(), MAX_STDOUT_BYTES);
    let err_reader = spawn_tail_reader(child.stderr.take(), MAX_STDERR_BYTES);

    // A timeout too large to represent means no deadline at all.
    let far_future = tokio::time::Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600);
    let deadline = tokio::time::Instant::now()
        .checked_add(Duration::from_millis(spec.timeout_ms))
        .map_or(far_future, |d| d.min(far_future));
    #[derive(Clone, Copy)]
    enum End {
        Exited(Option<std::process::ExitStatus>),
        Timeout,
        Cancelled,
    }
    let mut scan_every = tokio::time::interval(SCAN_INTERVAL);
    let end = loop {
        tokio::select! {
            status = child.wait() => break End::Exited(status.ok()),
            _ = tokio::time::sleep_until(deadline) => break End::Timeout,
            _ = cancel.cancelled() => break End::Cancelled,
            _ = scan_every.tick() => {
                if let Some(g) = groups.as_mut() {
                    g.scan().await;
                }
            }
        }
    };
    // Whatever ended the call, nothing the command started may survive it.
    let exited_status = match end {
        End::Exited(status) => {
            if let Some(g) = groups.as_mut() {
                g.terminate(None).await;
            }
            status
        }
        End::Timeout | End::Cancelled => {
            match groups.as_mut() {
                Some(g) => {
                    g.scan().await;
                    g.terminate(Some(&mut child)).await;
                }
                None => {
                    let _ = child.kill().await;
                }
            }
            None
        }
    };

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

/// How often the command's process tree is scanned for new process groups.
const SCAN_INTERVAL: Duration = Duration::from_millis(50);

fn signal_group(pgid: i32, sig: i32) -> bool {
    // SAFETY: plain syscall; a negative pid addresses the process group.
    unsafe { libc::kill(-pgid, sig) == 0 }
}

/// The process groups a command spread into: its own, plus any group a descendant created
/// (bubblewrap's `--new-session` puts the sandboxed command in a new session, out of reach of
/// a kill aimed at the command's group). Descendants are found by scanning `/proc` while the
/// command runs; elsewhere than Linux only the command's own group is known.
///
/// Dropped before [`terminate`](Self::terminate) has finished (the caller gave up on the
/// command's future), it kills every group it knows at once.
struct ProcessGroups {
    leader: i32,
    pgids: Vec<i32>,
    terminated: bool,
}

impl ProcessGroups {
    fn new(leader: i32) -> Self {
        ProcessGroups {
            leader,
            pgids: vec![leader],
            terminated: false,
        }
    }

    /// Adds the groups of the leader's current descendants. The process table is read on the
    /// blocking pool: with many processes it takes milliseconds, every [`SCAN_INTERVAL`].
    async fn scan(&mut self) {
        #[cfg(target_os = "linux")]
        {
            let table = tokio::task::spawn_blocking(proc_table)
                .await
                .unwrap_or_default();
            self.add_descendant_groups(&table);
        }
        self.forget_protected_groups();
    }

    /// [`scan`](Self::scan) for [`Drop`], which cannot wait.
    fn scan_now(&mut self) {
        #[cfg(target_os = "linux")]
        self.add_descendant_groups(&proc_table());
        self.forget_protected_groups();
    }

    #[cfg(target_os = "linux")]
    fn add_descendant_groups(&mut self, table: &[ProcEntry]) {
        let mut frontier = vec![self.leader];
        let mut seen = std::collections::HashSet::new();
        while let Some(pid) = frontier.pop() {
            for p in table.iter().filter(|p| p.ppid == pid) {
                if seen.insert(p.pid) {
                    frontier.push(p.pid);
                    if !self.pgids.contains(&p.pgrp) {
                        self.pgids.push(p.pgrp);
                    }
                }
            }
        }
    }

    /// Never signal the runtime's own group (a child may have moved into it), nor init's.
    fn forget_protected_groups(&mut self) {
        // SAFETY: `getpgrp` cannot fail.
        let own = unsafe { libc::getpgrp() };
        self.pgids.retain(|&g| g > 1 && g != own);
    }

    /// Whether some process of the groups still runs (zombies waiting for their reaper do not
    /// count): one read of the process table for all groups, on the blocking pool.
    async fn alive(&self) -> bool {
        #[cfg(target_os = "linux")]
        {
            let table = tokio::task::spawn_blocking(proc_table)
                .await
                .unwrap_or_default();
            table
                .iter()
                .any(|p| !p.gone && self.pgids.contains(&p.pgrp))
        }
        #[cfg(not(target_os = "linux"))]
        {
            self.pgids.iter().any(|&g| signal_group(g, 0))
        }
    }

    fn signal(&self, sig: i32) {
        for &g in &self.pgids {
            signal_group(g, sig);
        }
    }

    /// SIGTERM to every group, up to 200 ms for them (and the command, when still running) to
    /// exit, then SIGKILL to every group; the command is reaped.
    async fn terminate(&mut self, child: Option<&mut Child>) {
        self.signal(libc::SIGTERM);
        let until = tokio::time::Instant::now() + TERMINATE_GRACE;
        let mut child = child;
        if let Some(c) = child.as_deref_mut() {
            let _ = tokio::time::timeout_at(until, c.wait()).await;
        }
        while tokio::time::Instant::now() < until && self.alive().await {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if self.alive().await
            || child
                .as_deref_mut()
                .is_some_and(|c| c.try_wait().ok().flatten().is_none())
        {
            self.signal(libc::SIGKILL);
        }
        if let Some(c) = child {
            let _ = c.wait().await;
        }
        self.terminated = true;
    }
}

impl Drop for ProcessGroups {
    fn drop(&mut self) {
        if !self.terminated {
            self.scan_now();
            self.signal(libc::SIGKILL);
        }
    }
}

#[cfg(target_os = "linux")]
struct ProcEntry {
    pid: i32,
    ppid: i32,
    pgrp: i32,
    /// Zombie or dead: already gone as far as killing goes.
    gone: bool,
}

/// Every process in `/proc`, from `/proc/<pid>/stat` (`pid (comm) state ppid pgrp ...`; the
/// command name may contain spaces and parentheses, so fields are read after the last `)`).
#[cfg(target_os = "linux")]
fn proc_table() -> Vec<ProcEntry> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let after = &stat[stat.rfind(')')? + 1..];
            let mut fields = after.split_whitespace();
            let state = fields.next()?;
            let ppid = fields.next()?.parse().ok()?;
            let pgrp = fields.next()?.parse().ok()?;
            Some(ProcEntry {
                pid,
                ppid,
                pgrp,
                gone: state == "Z" || state == "X",
            })
        })
        .collect()
}

/// Processes of group `pgid` that are not zombies.
#[cfg(target_os = "linux")]
pub fn live_group_members(pgid: i32) -> usize {
    proc_table()
        .iter()
        .filter(|p| p.pgrp == pgid && !p.gone)
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

/// A pipe being drained into a shared tail buffer, so that what was read stays available even
/// when the reading has to be abandoned.
struct Reader {
    task: JoinHandle<()>,
    tail: Arc<Mutex<TailBuffer>>,
}

fn spawn_tail_reader<R: AsyncRead + Unpin + Send + 'static>(
    pipe: Option<R>,
    max: usize,
) -> Option<Reader> {
    let mut pipe = pipe?;
    let tail = Arc::new(Mutex::new(TailBuffer {
        max,
        buf: std::collections::VecDeque::new(),
        truncated: false,
    }));
    let sink = tail.clone();
    let task = tokio::spawn(async move {
        let mut chunk = vec![0u8; 8192];
        loop {
            match pipe.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if let Ok(mut t) = sink.lock() {
                        t.push(&chunk[..n]);
                    }
                }
            }
        }
    });
    Some(Reader { task, tail })
}

/// Waits (at most the grace period) for the pipe's end, then takes what was captured. A
/// process that left the command's groups may keep the pipe open; its later output is lost.
async fn collect(reader: Option<Reader>) -> (Vec<u8>, bool) {
    let Some(mut reader) = reader else {
        return (Vec::new(), false);
    };
    if tokio::time::timeout(TERMINATE_GRACE, &mut reader.task)
        .await
        .is_err()
    {
        reader.task.abort();
    }
    match reader.tail.lock() {
        Ok(mut t) => (Vec::from(std::mem::take(&mut t.buf)), t.truncated),
        Err(_) => (Vec::new(), false),
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

    #[cfg(target_os = "linux")]
    #[test]
    fn descendant_groups_are_found_through_the_parent_chain() {
        let entry = |pid, ppid, pgrp| ProcEntry {
            pid,
            ppid,
            pgrp,
            gone: false,
        };
        let table = [
            entry(100, 1, 100),
            entry(101, 100, 100),
            entry(102, 101, 102),
            entry(103, 102, 103),
            entry(104, 103, 102),
            entry(200, 1, 200),
        ];
        let mut groups = ProcessGroups::new(100);
        groups.add_descendant_groups(&table);
        assert_eq!(groups.pgids, [100, 102, 103]);
        // Synthetic ids: dropping must not signal them.
        groups.terminated = true;
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
