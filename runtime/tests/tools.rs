//! The built-in tools end to end: confinement, limits, the executor (timeouts, cancellation,
//! process groups), file tools, patches, human/plan events, skill tools and the OS sandbox.
//!
//! Sandbox tests need `bwrap`: when it is missing they fail under `CI=true` and are skipped
//! (loudly) elsewhere.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use skills_runtime::agent::cancel::CancelToken;
use skills_runtime::agent::config::{
    OsSandboxMode, RunConfig, SafetyConfig, SafetyMode, SandboxConfig, SandboxPolicy,
};
use skills_runtime::agent::sandbox::SandboxAdapter;
use skills_runtime::agent::tools::{
    self, HumanIo, ToolContext, ToolEventSink, ToolInvocation, ToolResult,
};
use skills_runtime::index::SkillIndex;

// ---------------------------------------------------------------------------------------------
// Fixtures

/// A unique temporary directory (canonical path), removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "skills-tools-{tag}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(std::fs::canonicalize(&dir).unwrap())
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[derive(Default)]
struct Events(Mutex<Vec<(String, Value)>>);

impl ToolEventSink for Events {
    fn emit(&self, event_type: &str, payload: Value) {
        self.0
            .lock()
            .unwrap()
            .push((event_type.to_owned(), payload));
    }
}

impl Events {
    fn take(&self) -> Vec<(String, Value)> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

/// One question put to [`FixedHuman`].
struct Asked {
    call_id: String,
    choices: Vec<String>,
    context: Value,
}

/// Answers every question with a fixed text, recording what it was asked.
struct FixedHuman {
    answer: Option<String>,
    asked: Mutex<Vec<Asked>>,
}

impl HumanIo for FixedHuman {
    fn ask(
        &self,
        call_id: &str,
        question: &str,
        choices: &[String],
        context: &Value,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<String>> + Send + '_>> {
        assert!(!question.is_empty());
        self.asked.lock().unwrap().push(Asked {
            call_id: call_id.to_owned(),
            choices: choices.to_vec(),
            context: context.clone(),
        });
        let answer = self.answer.clone();
        Box::pin(async move { answer })
    }
}

/// The reference's defaults, with everything allowed, no OS sandbox and no wall-time budget.
fn run_config() -> RunConfig {
    let defaults = RunConfig::default();
    RunConfig {
        max_wall_time_sec: None,
        safety: SafetyConfig {
            mode: SafetyMode::Allow,
            ..defaults.safety
        },
        sandbox: SandboxConfig {
            os_mode: OsSandboxMode::None,
            ..defaults.sandbox
        },
        ..defaults
    }
}

struct Harness {
    ws: TempDir,
    ctx: ToolContext,
    events: Arc<Events>,
}

fn harness(tag: &str) -> Harness {
    harness_with(tag, run_config(), SkillIndex::default())
}

fn harness_with(tag: &str, config: RunConfig, skills: SkillIndex) -> Harness {
    let ws = TempDir::new(tag);
    let events = Arc::new(Events::default());
    let ctx = ToolContext {
        workspace_root: ws.path().to_path_buf(),
        env_store: Arc::new(Mutex::new(HashMap::new())),
        cancel: CancelToken::new(),
        human: None,
        events: events.clone(),
        skills: Arc::new(skills),
        sandbox: SandboxAdapter::from_config(&config.sandbox).map(Arc::new),
        config: Arc::new(config),
    };
    Harness { ws, ctx, events }
}

impl Harness {
    fn root(&self) -> &Path {
        self.ws.path()
    }
    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.root().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
    async fn call(&self, name: &str, args: Value) -> ToolResult {
        call_with(&self.ctx, name, args).await
    }
}

async fn call_with(ctx: &ToolContext, name: &str, args: Value) -> ToolResult {
    let args: Map<String, Value> = args.as_object().cloned().expect("object args");
    tools::execute(
        ToolInvocation {
            call_id: "call_1",
            name,
            args: &args,
        },
        ctx,
    )
    .await
}

fn assert_permission(r: &ToolResult, what: &str) {
    assert!(!r.ok, "{what}: {r:?}");
    assert_eq!(r.error_kind.as_deref(), Some("permission"), "{what}: {r:?}");
    assert!(
        r.stderr
            .starts_with("USER_ERROR: 禁止访问 workspace_root 之外的路径："),
        "{what}: {}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Envelope, dispatch, validation

#[tokio::test]
async fn shell_exec_result_has_the_reference_envelope() {
    let h = harness("envelope");
    let r = h.call("shell_exec", json!({"argv": ["echo", "hi"]})).await;
    let v = r.to_value();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "ok",
            "stdout",
            "stderr",
            "exit_code",
            "duration_ms",
            "truncated",
            "data",
            "retryable"
        ]
    );
    assert_eq!(v["ok"], true);
    assert_eq!(v["stdout"], "hi\n");
    assert_eq!(v["stderr"], "");
    assert_eq!(v["exit_code"], 0);
    assert_eq!(
        v["data"],
        json!({"sandbox": {"requested": "inherit", "effective": "none", "adapter": null, "active": false}})
    );
}

#[tokio::test]
async fn failing_commands_report_exit_code_and_missing_programs_not_found() {
    let h = harness("exit");
    let r = h
        .call(
            "shell_exec",
            json!({"argv": ["sh", "-c", "echo oops >&2; exit 3"]}),
        )
        .await;
    assert!(!r.ok);
    assert_eq!(r.exit_code, Some(3));
    assert_eq!(r.error_kind.as_deref(), Some("exit_code"));
    assert_eq!(r.stderr, "oops\n");

    let r = h
        .call(
            "shell_exec",
            json!({"argv": ["skills-lsp-no-such-program"]}),
        )
        .await;
    assert_eq!(r.error_kind.as_deref(), Some("not_found"));
    assert_eq!(
        r.stderr,
        "[Errno 2] No such file or directory: 'skills-lsp-no-such-program'"
    );
    assert_eq!(r.exit_code, None);
}

#[tokio::test]
async fn shell_and_shell_command_delegate_to_shell_exec() {
    let h = harness("delegate");
    std::fs::create_dir(h.root().join("sub")).unwrap();
    let r = h
        .call("shell", json!({"command": ["pwd"], "workdir": "sub"}))
        .await;
    assert_eq!(r.stdout, format!("{}\n", h.root().join("sub").display()));
    let r = h
        .call(
            "shell_command",
            json!({"command": "echo a | tr a b", "env": {"X": "1"}}),
        )
        .await;
    assert!(r.ok, "{r:?}");
    assert_eq!(r.stdout, "b\n");
}

#[tokio::test]
async fn arguments_are_validated_with_pydantic_messages() {
    let h = harness("validation");
    let r = h.call("file_read", json!({"path": "a", "nope": 1})).await;
    assert_eq!(r.error_kind.as_deref(), Some("validation"));
    assert_eq!(
        r.stderr,
        "1 validation error for _FileReadArgs\nnope\n  Extra inputs are not permitted [type=extra_forbidden, input_value=1, input_type=int]\n    For further information visit https://errors.pydantic.dev/2.14/v/extra_forbidden"
    );
    let r = h.call("shell_exec", json!({"argv": []})).await;
    assert_eq!(r.error_kind.as_deref(), Some("validation"));
    assert!(
        r.stderr
            .contains("List should have at least 1 item after validation, not 0")
    );
}

#[tokio::test]
async fn unknown_tools_are_not_found() {
    let h = harness("unknown");
    let r = h.call("exec_command", json!({"cmd": "ls"})).await;
    assert_eq!(r.error_kind.as_deref(), Some("not_found"));
    assert_eq!(r.stderr, "未注册的 tool：exec_command");
    assert_eq!(r.data, Some(json!({"tool": "exec_command"})));
}

#[tokio::test]
async fn env_store_values_reach_the_child_and_are_redacted_from_results() {
    let h = harness("redact");
    h.ctx
        .env_store
        .lock()
        .unwrap()
        .insert("TOKEN".into(), "s3cr3t-value".into());
    let r = h
        .call(
            "shell_exec",
            json!({"argv": ["sh", "-c", "echo $TOKEN $CALL"], "env": {"CALL": "abc"}}),
        )
        .await;
    assert_eq!(r.stdout, "<redacted> abc\n");
}

#[tokio::test]
async fn extreme_numbers_in_arguments_are_handled() {
    let h = harness("extreme");
    h.write("a.txt", "x\n");
    let max = i64::MAX;
    let r = h
        .call("shell_exec", json!({"argv": ["true"], "timeout_ms": max}))
        .await;
    assert!(r.ok, "{r:?}");
    let r = h
        .call("read_file", json!({"file_path": "a.txt", "limit": max}))
        .await;
    assert_eq!(r.stdout, "L1: x\n");
    let r = h
        .call(
            "read_file",
            json!({"file_path": "a.txt", "offset": max, "limit": max}),
        )
        .await;
    assert_eq!(r.stderr, "offset exceeds file length");
    let r = h
        .call("read_file", json!({"file_path": "a.txt", "mode": "indentation", "indentation": {"max_lines": max, "max_levels": max}}))
        .await;
    assert_eq!(r.stdout, "L1: x\n");
    let r = h
        .call(
            "list_dir",
            json!({"dir_path": ".", "depth": max, "offset": max, "limit": max}),
        )
        .await;
    assert_eq!(r.stderr, "offset exceeds directory entry count");
    let r = h
        .call("file_read", json!({"path": "a.txt", "max_bytes": max}))
        .await;
    assert_eq!(r.stdout, "x\n");
    let r = h
        .call("grep_files", json!({"pattern": "x", "limit": max}))
        .await;
    assert!(r.ok);
}

// ---------------------------------------------------------------------------------------------
// Confinement

#[tokio::test]
async fn every_path_escape_is_refused() {
    let outside = TempDir::new("outside");
    std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    let h = harness("confine");
    std::os::unix::fs::symlink(outside.path(), h.root().join("link")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        h.root().join("file-link"),
    )
    .unwrap();
    let abs = outside.path().join("secret.txt").display().to_string();
    for path in [
        "../secret.txt",
        abs.as_str(),
        "link/secret.txt",
        "file-link",
        "a/../../x",
    ] {
        assert_permission(&h.call("file_read", json!({"path": path})).await, path);
        assert_permission(
            &h.call("file_write", json!({"path": path, "content": "x"}))
                .await,
            path,
        );
        assert_permission(&h.call("read_file", json!({"file_path": path})).await, path);
        assert_permission(&h.call("list_dir", json!({"dir_path": path})).await, path);
        assert_permission(
            &h.call("grep_files", json!({"pattern": "s", "path": path}))
                .await,
            path,
        );
        assert_permission(&h.call("view_image", json!({"path": path})).await, path);
        let patch = format!("*** Begin Patch\n*** Add File: {path}\n+x\n*** End Patch");
        assert_permission(&h.call("apply_patch", json!({"input": patch})).await, path);
        assert_permission(
            &h.call("shell_exec", json!({"argv": ["ls"], "cwd": path}))
                .await,
            path,
        );
    }
    assert_eq!(
        std::fs::read_to_string(outside.path().join("secret.txt")).unwrap(),
        "secret"
    );
    // A patch moving a file out is refused too, and changes nothing.
    h.write("in.txt", "a\n");
    let patch = "*** Begin Patch\n*** Update File: in.txt\n*** Move to: ../moved.txt\n@@\n-a\n+b\n*** End Patch";
    assert_permission(
        &h.call("apply_patch", json!({"input": patch})).await,
        "move",
    );
    assert_eq!(
        std::fs::read_to_string(h.root().join("in.txt")).unwrap(),
        "a\n"
    );
}

#[tokio::test]
async fn grep_does_not_follow_file_links_out_of_the_workspace() {
    let outside = TempDir::new("grep-out");
    std::fs::write(outside.path().join("secret.txt"), "needle").unwrap();
    let h = harness("grep-link");
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), h.root().join("leak.txt"))
        .unwrap();
    h.write("inside.txt", "needle");
    let r = h.call("grep_files", json!({"pattern": "needle"})).await;
    assert_eq!(
        r.stdout,
        format!("{}\n", h.root().join("inside.txt").display())
    );
}

#[tokio::test]
async fn shell_cwd_must_be_an_existing_directory() {
    let h = harness("cwd");
    h.write("f.txt", "");
    for cwd in ["missing", "f.txt"] {
        let r = h
            .call("shell_exec", json!({"argv": ["ls"], "cwd": cwd}))
            .await;
        assert_eq!(r.error_kind.as_deref(), Some("validation"));
        assert_eq!(
            r.stderr,
            format!("cwd 不存在或不是目录：{}", h.root().join(cwd).display())
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Limits, timeout, cancellation

#[tokio::test]
async fn large_output_keeps_the_tail_behind_the_marker() {
    let h = harness("caps");
    let script = "head -c 70000 /dev/zero | tr '\\0' a; printf END; echo err >&2";
    let r = h
        .call("shell_exec", json!({"argv": ["sh", "-c", script]}))
        .await;
    assert!(r.ok, "{r:?}");
    assert!(r.truncated);
    assert!(r.stdout.starts_with("...<truncated>\n"));
    assert_eq!(r.stdout.len(), "...<truncated>\n".len() + 64 * 1024);
    assert!(r.stdout.ends_with("aaaEND"));
    // Both streams get the marker when anything was cut.
    assert_eq!(r.stderr, "...<truncated>\nerr\n");
}

#[tokio::test]
async fn timeout_kills_the_command_and_omits_the_exit_code() {
    let h = harness("timeout");
    let started = Instant::now();
    let r = h
        .call(
            "shell_exec",
            json!({"argv": ["sh", "-c", "echo started; sleep 10"], "timeout_ms": 300}),
        )
        .await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(r.error_kind.as_deref(), Some("timeout"));
    assert_eq!(r.exit_code, None);
    assert_eq!(r.stdout, "started\n");
    assert!(!r.to_value().as_object().unwrap().contains_key("exit_code"));
}

/// The process group id the command printed first (`echo $$` in the group leader).
fn printed_pgid(r: &ToolResult) -> i32 {
    r.stdout.lines().next().unwrap().trim().parse().unwrap()
}

fn wait_until_group_gone(pgid: i32) -> usize {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let n = skills_runtime::agent::exec::live_group_members(pgid);
        if n == 0 || Instant::now() > deadline {
            return n;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn cancellation_kills_the_whole_process_group() {
    let h = harness("cancel");
    let cancel = h.ctx.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(400)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let r = h
        .call(
            "shell_exec",
            json!({"argv": ["sh", "-c", "echo $$; sleep 30 & sleep 30"]}),
        )
        .await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(r.error_kind.as_deref(), Some("cancelled"));
    assert_eq!(r.exit_code, None);
    let pgid = printed_pgid(&r);
    assert_eq!(
        wait_until_group_gone(pgid),
        0,
        "processes of group {pgid} survived"
    );
}

#[tokio::test]
async fn timeout_also_kills_background_children() {
    let h = harness("timeout-group");
    let r = h
        .call(
            "shell_exec",
            json!({"argv": ["sh", "-c", "echo $$; trap '' TERM; sleep 30 & sleep 30"], "timeout_ms": 300}),
        )
        .await;
    assert_eq!(r.error_kind.as_deref(), Some("timeout"));
    assert_eq!(wait_until_group_gone(printed_pgid(&r)), 0);
}

#[tokio::test]
async fn background_children_do_not_outlive_a_finished_command() {
    let h = harness("leftover");
    let started = Instant::now();
    let r = h
        .call(
            "shell_exec",
            json!({"argv": ["sh", "-c", "echo $$; sleep 30 &"]}),
        )
        .await;
    assert!(r.ok, "{r:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(wait_until_group_gone(printed_pgid(&r)), 0);
}

#[tokio::test]
async fn dropping_a_running_call_kills_its_whole_process_group() {
    let h = harness("dropped");
    let call = h.call(
        "shell_exec",
        json!({"argv": ["sh", "-c", "echo $$ > pgid; sleep 30 & sleep 30"]}),
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(500), call)
            .await
            .is_err()
    );
    let pgid = std::fs::read_to_string(h.root().join("pgid")).unwrap();
    assert_eq!(wait_until_group_gone(pgid.trim().parse().unwrap()), 0);
}

#[tokio::test]
async fn a_process_holding_the_pipes_does_not_hang_the_call() {
    let h = harness("held-pipe");
    let started = Instant::now();
    // `setsid` leaves every group the executor knows; the sleep keeps stdout open for 2 s.
    let r = h
        .call(
            "shell_exec",
            json!({"argv": ["sh", "-c", "setsid sleep 2 & echo hi"]}),
        )
        .await;
    assert!(r.ok, "{r:?}");
    assert_eq!(r.stdout, "hi\n");
    assert!(started.elapsed() < Duration::from_millis(1500));
}

// ---------------------------------------------------------------------------------------------
// File tools

#[tokio::test]
async fn file_write_then_file_read_round_trips() {
    let h = harness("files");
    let r = h
        .call(
            "file_write",
            json!({"path": "notes/é.txt", "content": "ünï"}),
        )
        .await;
    assert!(r.ok, "{r:?}");
    assert_eq!(r.stdout, "wrote 5 bytes");
    assert_eq!(r.data, Some(json!({"path": "notes/é.txt", "bytes": 5})));
    let r = h.call("file_read", json!({"path": "notes/é.txt"})).await;
    assert_eq!(r.stdout, "ünï");
    assert_eq!(r.data, Some(json!({"path": "notes/é.txt"})));
    // No temp files are left next to the target.
    let names: Vec<_> = std::fs::read_dir(h.root().join("notes")).unwrap().collect();
    assert_eq!(names.len(), 1);
}

#[tokio::test]
async fn file_write_keeps_permissions_and_respects_create_dirs() {
    use std::os::unix::fs::PermissionsExt;
    let h = harness("perms");
    let p = h.write("run.sh", "old");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = h
        .call("file_write", json!({"path": "run.sh", "content": "new"}))
        .await;
    assert!(r.ok);
    assert_eq!(
        std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
        0o755
    );
    let r = h
        .call(
            "file_write",
            json!({"path": "no/dir/x", "content": "", "mkdirs": false}),
        )
        .await;
    assert_eq!(r.error_kind.as_deref(), Some("unknown"));
    assert!(
        r.stderr
            .starts_with("[Errno 2] No such file or directory: "),
        "{}",
        r.stderr
    );
}

#[tokio::test]
async fn file_read_keeps_head_and_tail_beyond_the_cap() {
    let h = harness("headtail");
    h.write("big.txt", "0123456789abcdefghij");
    let r = h
        .call("file_read", json!({"path": "big.txt", "max_bytes": 10}))
        .await;
    assert!(r.truncated);
    assert_eq!(r.stdout, "01234\n...<truncated>\nfghij");
    let r = h.call("file_read", json!({"path": "missing.txt"})).await;
    assert_eq!(r.error_kind.as_deref(), Some("not_found"));
    assert_eq!(r.stderr, "文件不存在：missing.txt");
}

#[tokio::test]
async fn read_file_numbers_lines_and_pages() {
    let h = harness("readfile");
    h.write("a.py", "one\ntwo\r\nthree\n");
    let r = h
        .call(
            "read_file",
            json!({"file_path": "a.py", "offset": 2, "limit": 1}),
        )
        .await;
    assert_eq!(r.stdout, "L2: two\n");
    assert!(r.truncated);
    assert_eq!(
        r.data.unwrap(),
        json!({"file_path": h.root().join("a.py").display().to_string(), "offset": 2, "limit": 1, "total_lines": 3, "mode": "slice"})
    );
    let r = h
        .call("read_file", json!({"file_path": "a.py", "offset": 9}))
        .await;
    assert_eq!(r.stderr, "offset exceeds file length");
    std::fs::write(h.root().join("bin"), [0xff, 0xfe]).unwrap();
    let r = h.call("read_file", json!({"file_path": "bin"})).await;
    assert_eq!(r.stderr, "failed to decode file as utf-8 text");
}

#[tokio::test]
async fn read_file_indentation_mode_shows_the_enclosing_block() {
    let h = harness("indent");
    h.write(
        "m.py",
        "class A:\n    def f(self):\n        x = 1\n        return x\n\n    def g(self):\n        pass\n",
    );
    let r = h
        .call(
            "read_file",
            json!({"file_path": "m.py", "mode": "indentation", "indentation": {"anchor_line": 3, "max_levels": 1, "include_header": true}}),
        )
        .await;
    assert_eq!(
        r.stdout,
        "L2:     def f(self):\nL3:         x = 1\nL4:         return x\nL5: \n"
    );
    // Expected outputs produced by the reference on the same file.
    let whole_body = "L2:     def f(self):\nL3:         x = 1\nL4:         return x\nL5: \nL6:     def g(self):\nL7:         pass\n";
    for (indentation, expected) in [
        (json!({"anchor_line": 3}), whole_body),
        (
            json!({"anchor_line": 3, "include_siblings": true}),
            whole_body,
        ),
        (json!({"anchor_line": 7, "max_levels": 0}), whole_body),
        (
            json!({"anchor_line": 5}),
            "L5: \nL6:     def g(self):\nL7:         pass\n",
        ),
        (
            json!({"anchor_line": 3, "max_levels": 2, "include_siblings": true, "include_header": true}),
            "L1: class A:\nL2:     def f(self):\nL3:         x = 1\nL4:         return x\nL5: \nL6:     def g(self):\nL7:         pass\n",
        ),
    ] {
        let r = h
            .call(
                "read_file",
                json!({"file_path": "m.py", "mode": "indentation", "indentation": indentation}),
            )
            .await;
        assert_eq!(r.stdout, expected, "{indentation}");
    }
}

#[tokio::test]
async fn list_dir_prints_the_reference_format() {
    let h = harness("listdir");
    h.write("b.txt", "");
    h.write("a/inner.txt", "");
    h.write("a/deep/x.txt", "");
    h.write(".hidden/x", "");
    std::os::unix::fs::symlink(h.root().join("b.txt"), h.root().join("c-link")).unwrap();
    let r = h.call("list_dir", json!({"dir_path": "."})).await;
    assert_eq!(
        r.stdout,
        format!(
            "Absolute path: {}\na/\na/deep/\na/inner.txt\nb.txt\nc-link@\n",
            h.root().display()
        )
    );
    let data = r.data.unwrap();
    assert_eq!(data["total"], 5);
    assert_eq!(
        data["entries"][4],
        json!({"rel_path": "c-link", "abs_path": h.root().join("b.txt").display().to_string(), "type": "symlink"})
    );
    let r = h
        .call(
            "list_dir",
            json!({"dir_path": ".", "limit": 2, "offset": 2}),
        )
        .await;
    assert!(r.truncated);
    assert!(
        r.stdout
            .ends_with("a/deep/\na/inner.txt\nMore than 2 entries found\n")
    );
    let r = h
        .call("list_dir", json!({"dir_path": ".", "offset": 99}))
        .await;
    assert_eq!(r.stderr, "offset exceeds directory entry count");
}

#[tokio::test]
async fn grep_files_lists_matching_files() {
    let h = harness("grep");
    h.write("a.md", "hello world");
    h.write("docs/b.md", "HELLO");
    h.write("docs/c.txt", "hello");
    h.write(".git/d.md", "hello");
    std::fs::write(h.root().join("bin.md"), b"hello\0").unwrap();
    let r = h
        .call(
            "grep_files",
            json!({"pattern": "(?i)hello", "include": "*.md"}),
        )
        .await;
    let files: Vec<String> = ["a.md", "docs/b.md"]
        .iter()
        .map(|f| h.root().join(f).display().to_string())
        .collect();
    assert_eq!(r.stdout, format!("{}\n", files.join("\n")), "{r:?}");
    assert_eq!(r.data.as_ref().unwrap()["files"], json!(files));
    let r = h.call("grep_files", json!({"pattern": "zzz"})).await;
    assert_eq!(r.stdout, "No matches found.\n");
    let r = h
        .call("grep_files", json!({"pattern": "x", "path": "missing"}))
        .await;
    assert!(r.ok);
    assert_eq!(r.data, Some(json!({"files": []})));
    let r = h.call("grep_files", json!({"pattern": "  "})).await;
    assert_eq!(r.stderr, "pattern must be non-empty");
    let r = h.call("grep_files", json!({"pattern": "("})).await;
    assert!(r.stderr.starts_with("invalid pattern regex: "));
}

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn reading_tools_refuse_a_fifo_instead_of_blocking_on_it() {
    let h = harness("fifo");
    mkfifo(&h.root().join("pipe"));
    h.write("a.txt", "needle");
    let call = |name: &'static str, args: Value| {
        let h = &h;
        async move {
            tokio::time::timeout(Duration::from_secs(5), h.call(name, args))
                .await
                .unwrap_or_else(|_| panic!("{name} blocked on the FIFO"))
        }
    };
    let not_regular = format!("not a regular file: '{}'", h.root().join("pipe").display());
    let r = call("file_read", json!({"path": "pipe"})).await;
    assert_eq!(
        (r.error_kind.as_deref(), r.stderr.as_str()),
        (Some("unknown"), not_regular.as_str())
    );
    let r = call("read_file", json!({"file_path": "pipe"})).await;
    assert_eq!(
        (r.error_kind.as_deref(), r.stderr.as_str()),
        (Some("unknown"), not_regular.as_str())
    );
    let r = call("grep_files", json!({"pattern": "needle"})).await;
    assert_eq!(r.stdout, format!("{}\n", h.root().join("a.txt").display()));
}

#[tokio::test]
async fn view_image_refuses_an_oversized_file_from_its_size_without_reading_it() {
    let h = harness("huge-image");
    let file = std::fs::File::create(h.root().join("huge.png")).unwrap();
    // Sparse: costs nothing on disk, but reading it would take seconds and gigabytes.
    file.set_len(4 << 30).unwrap();
    let started = Instant::now();
    let r = h.call("view_image", json!({"path": "huge.png"})).await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(r.error_kind.as_deref(), Some("validation"));
    assert_eq!(r.stderr, "image exceeds max bytes");
    assert_eq!(r.data.unwrap()["bytes"], json!(4u64 << 30));
}

#[tokio::test]
async fn apply_patch_adds_updates_moves_and_deletes() {
    let h = harness("patch");
    h.write("src/lib.txt", "alpha\nbeta\ngamma\n");
    h.write("old.txt", "bye\n");
    let patch = [
        "*** Begin Patch",
        "*** Add File: new/hello.txt",
        "+hello",
        "+world",
        "*** Update File: src/lib.txt",
        "*** Move to: src/renamed.txt",
        "@@",
        " alpha",
        "-beta",
        "+BETA",
        "*** Delete File: old.txt",
        "*** End Patch",
    ]
    .join("\n");
    let r = h.call("apply_patch", json!({"input": patch})).await;
    assert!(r.ok, "{r:?}");
    assert_eq!(r.stdout, "apply_patch ok: add=1 update=1 delete=1 move=1\n");
    let moved = h.root().join("src/renamed.txt").display().to_string();
    assert_eq!(
        r.data.unwrap()["changes"],
        json!([
            {"kind": "add", "path": "new/hello.txt"},
            {"kind": "update", "path": "src/lib.txt", "moved_to": moved},
            {"kind": "move", "path": "src/lib.txt", "moved_to": moved},
            {"kind": "delete", "path": "old.txt"},
        ])
    );
    let read = |p: &str| std::fs::read_to_string(h.root().join(p)).ok();
    assert_eq!(read("new/hello.txt").as_deref(), Some("hello\nworld\n"));
    assert_eq!(
        read("src/renamed.txt").as_deref(),
        Some("alpha\nBETA\ngamma\n")
    );
    assert_eq!(read("src/lib.txt"), None);
    assert_eq!(read("old.txt"), None);
}

#[tokio::test]
async fn a_failing_patch_changes_nothing() {
    let h = harness("patch-fail");
    h.write("a.txt", "one\n");
    let patch = "*** Begin Patch\n*** Add File: b.txt\n+new\n*** Update File: a.txt\n@@\n-nope\n+x\n*** End Patch";
    let r = h.call("apply_patch", json!({"input": patch})).await;
    assert_eq!(r.error_kind.as_deref(), Some("validation"));
    assert_eq!(r.stderr, "hunk does not apply (context not found)");
    assert!(!h.root().join("b.txt").exists());
    let patch = "*** Begin Patch\n*** Delete File: missing.txt\n*** End Patch";
    let r = h.call("apply_patch", json!({"input": patch})).await;
    assert_eq!(r.error_kind.as_deref(), Some("not_found"));
    assert_eq!(
        r.stderr,
        format!("file not found: {}", h.root().join("missing.txt").display())
    );
    let patch = "*** Begin Patch\n*** Add File: a.txt\n+x\n*** End Patch";
    let r = h.call("apply_patch", json!({"input": patch})).await;
    assert_eq!(
        r.stderr,
        format!("file already exists: {}", h.root().join("a.txt").display())
    );
}

#[tokio::test]
async fn view_image_returns_base64_and_mime() {
    let h = harness("image");
    std::fs::write(h.root().join("p.PNG"), b"foo").unwrap();
    let r = h.call("view_image", json!({"path": "p.PNG"})).await;
    assert_eq!(
        r.data.unwrap(),
        json!({"path": h.root().join("p.PNG").display().to_string(), "mime": "image/png", "base64": "Zm9v", "bytes": 3})
    );
}

// ---------------------------------------------------------------------------------------------
// Human and plan tools

#[tokio::test]
async fn ask_human_without_a_human_is_human_required() {
    let h = harness("human-none");
    let r = h
        .call(
            "ask_human",
            json!({"question": "Proceed?", "choices": ["y", "n"]}),
        )
        .await;
    assert_eq!(r.error_kind.as_deref(), Some("human_required"));
    assert_eq!(
        r.stderr,
        "ask_human 需要 HumanIOProvider，但当前上下文未配置 human_io"
    );
    assert_eq!(r.data, Some(json!({"question": "Proceed?"})));
    assert_eq!(
        h.events.take(),
        [(
            "human_request".to_owned(),
            json!({"call_id": "call_1", "question": "Proceed?", "choices": ["y", "n"], "context": null})
        )]
    );
}

#[tokio::test]
async fn ask_human_and_request_user_input_record_questions_and_answers() {
    let mut h = harness("human");
    let human = Arc::new(FixedHuman {
        answer: Some("yes".into()),
        asked: Mutex::new(vec![]),
    });
    h.ctx.human = Some(human.clone());
    let r = h.call("ask_human", json!({"question": "Proceed?"})).await;
    assert!(r.ok);
    assert_eq!(r.stdout, "yes");
    assert_eq!(r.data, Some(json!({"answer": "yes"})));
    let events = h.events.take();
    assert_eq!(
        events[1],
        (
            "human_response".to_owned(),
            json!({"call_id": "call_1", "answer": "yes"})
        )
    );

    let r = h
        .call(
            "request_user_input",
            json!({"questions": [{"id": "q1", "header": "H", "question": "Pick", "options": [{"label": "a"}, {"label": "b", "description": "B"}]}]}),
        )
        .await;
    assert!(r.ok, "{r:?}");
    assert_eq!(
        r.data,
        Some(json!({"answers": [{"id": "q1", "answer": "yes"}]}))
    );
    let events = h.events.take();
    assert_eq!(
        events[0].1,
        json!({"call_id": "call_1", "tool": "request_user_input", "questions": [
            {"id": "q1", "header": "H", "question": "Pick", "options": [
                {"label": "a", "description": null}, {"label": "b", "description": "B"}]}]})
    );
    assert_eq!(
        events[1].1,
        json!({"call_id": "call_1", "question_id": "q1", "answer": "yes"})
    );
    let asked = human.asked.lock().unwrap();
    assert_eq!(asked[1].call_id, "call_1:q1");
    assert_eq!(asked[1].choices, ["a", "b"]);
    assert_eq!(
        asked[1].context,
        json!({"header": "H", "question_id": "q1", "options": [{"label": "a", "description": null}, {"label": "b", "description": "B"}]})
    );
}

#[tokio::test]
async fn update_plan_emits_plan_updated_and_allows_one_step_in_progress() {
    let h = harness("plan");
    let plan =
        json!([{"step": "a", "status": "completed"}, {"step": "b", "status": "in_progress"}]);
    let r = h.call("update_plan", json!({"plan": plan})).await;
    assert!(r.ok);
    assert_eq!(r.data, Some(json!({"plan": plan, "explanation": null})));
    assert_eq!(
        h.events.take(),
        [(
            "plan_updated".to_owned(),
            json!({"call_id": "call_1", "plan": plan, "explanation": null})
        )]
    );
    let two =
        json!([{"step": "a", "status": "in_progress"}, {"step": "b", "status": "in_progress"}]);
    let r = h.call("update_plan", json!({"plan": two})).await;
    assert_eq!(r.stderr, "plan must contain at most one in_progress step");
    assert_eq!(r.data, Some(json!({"in_progress_total": 2})));
}

// ---------------------------------------------------------------------------------------------
// Skill tools

const SKILL_MD: &str = "---\nname: hello\ndescription: says hello\nactions:\n  greet:\n    argv: [\"sh\", \"actions/greet.sh\", \"x\"]\n    timeout_ms: 5000\n    env:\n      GREETING: hi\n      COUNT: 3\n  escape:\n    argv: [\"sh\", \"../outside.sh\"]\n---\n# Hello\n";

/// A workspace with space `web` holding skill `hello` (an action and a reference file), and
/// space `empty`, configured and enabled, whose source holds no skill.
fn skill_harness(tag: &str, actions: bool, references: bool) -> Harness {
    let ws = TempDir::new(tag);
    let root = ws.path();
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "config/runtime.yaml",
        "skills:\n  spaces:\n    - id: web\n      namespace: web\n      sources: [fs]\n    - id: empty\n      namespace: empty\n      sources: [none]\n  sources:\n    - id: fs\n      type: filesystem\n      options:\n        root: skills\n    - id: none\n      type: filesystem\n      options:\n        root: empty\n",
    );
    std::fs::create_dir_all(root.join("empty")).unwrap();
    write("skills/hello/SKILL.md", SKILL_MD);
    write(
        "skills/hello/actions/greet.sh",
        "echo \"$GREETING $COUNT $1 $SKILLS_RUNTIME_SDK_SKILL_ACTION_ID $SKILLS_RUNTIME_SDK_SKILL_MENTION\"\npwd\n",
    );
    write("skills/hello/references/guide.md", "0123456789");
    let mut opts = skills_runtime::config::LoadOptions::new(root);
    opts.use_dotenv = false;
    let cfg = skills_runtime::config::load(&opts);
    let index = skills_runtime::index::build(
        &cfg,
        skills_runtime::rules::Profile::Runtime,
        &skills_runtime::index::Discovery::default(),
    );
    assert!(
        index.lookup("web", "hello").is_some(),
        "fixture skill indexed"
    );
    let mut config = run_config();
    config.skills.configured_namespaces =
        RunConfig::from_workspace(&cfg).skills.configured_namespaces;
    config.skills.actions_enabled = actions;
    config.skills.references_enabled = references;
    let events = Arc::new(Events::default());
    let ctx = ToolContext {
        workspace_root: root.to_path_buf(),
        config: Arc::new(config),
        env_store: Arc::new(Mutex::new(HashMap::new())),
        cancel: CancelToken::new(),
        human: None,
        events: events.clone(),
        skills: Arc::new(index),
        sandbox: None,
    };
    Harness { ws, ctx, events }
}

#[tokio::test]
async fn skill_tools_are_disabled_by_default() {
    let h = skill_harness("skills-off", false, false);
    let r = h
        .call(
            "skill_exec",
            json!({"skill_mention": "$[web].hello", "action_id": "greet"}),
        )
        .await;
    assert_eq!(r.error_kind.as_deref(), Some("permission"));
    assert_eq!(r.stderr, "Skill actions are disabled by configuration.");
    assert_eq!(
        r.data,
        Some(
            json!({"error": {"code": "SKILL_ACTIONS_DISABLED", "message": "Skill actions are disabled by configuration.", "details": {"config_key": "skills.actions.enabled"}}})
        )
    );
    let r = h
        .call(
            "skill_ref_read",
            json!({"skill_mention": "$[web].hello", "ref_path": "references/guide.md"}),
        )
        .await;
    assert_eq!(r.error_kind.as_deref(), Some("permission"));
    assert_eq!(
        r.data.unwrap()["error"]["code"],
        "SKILL_REFERENCES_DISABLED"
    );
}

#[tokio::test]
async fn skill_exec_runs_the_declared_action_with_its_env() {
    let h = skill_harness("skills-exec", true, false);
    let r = h
        .call(
            "skill_exec",
            json!({"skill_mention": " $[web].hello ", "action_id": "greet"}),
        )
        .await;
    assert!(r.ok, "{r:?}");
    assert_eq!(
        r.stdout,
        format!("hi 3 x greet $[web].hello\n{}\n", h.root().display())
    );

    let intent = tools::resolve_skill_action(&h.ctx, "$[web].hello", "greet");
    let bundle = h.root().join("skills/hello");
    assert_eq!(
        intent.bundle_root.as_deref(),
        Some(bundle.to_str().unwrap())
    );
    assert_eq!(
        intent.argv,
        ["sh", bundle.join("actions/greet.sh").to_str().unwrap(), "x"]
    );
    assert_eq!(intent.timeout_ms, Some(5000));
    assert_eq!(intent.env_keys, ["COUNT", "GREETING"]);
    assert_eq!(intent.resolve_error, None);
}

#[test]
fn builtin_tools_hand_the_gate_the_resolved_skill_action_unchanged() {
    use skills_runtime::agent::run::{BuiltinTools, ToolSet};
    let h = skill_harness("skills-intent", true, false);
    let args: Map<String, Value> = json!({"skill_mention": "$[web].hello", "action_id": "greet"})
        .as_object()
        .cloned()
        .unwrap();
    let given = BuiltinTools.skill_action("skill_exec", &args, &h.ctx);
    let resolved = tools::resolve_skill_action(&h.ctx, "$[web].hello", "greet");
    assert_eq!(given.as_ref(), Some(&resolved));
    assert_eq!(BuiltinTools.skill_action("shell_exec", &args, &h.ctx), None);
}

#[tokio::test]
async fn skill_exec_refuses_bad_mentions_actions_and_paths() {
    let h = skill_harness("skills-bad", true, false);
    let r = h
        .call(
            "skill_exec",
            json!({"skill_mention": "$[web].hello", "action_id": "escape"}),
        )
        .await;
    assert_eq!(r.error_kind.as_deref(), Some("permission"));
    assert_eq!(
        r.data.unwrap(),
        json!({"error": {"code": "SKILL_ACTION_ARGV_PATH_ESCAPE", "message": "Action argv path must stay within bundle actions/ directory.", "details": {"argv_index": 1, "path": "../outside.sh", "required_prefix": "actions/"}}})
    );
    let r = h
        .call(
            "skill_exec",
            json!({"skill_mention": "$[nope].nobody", "action_id": "x"}),
        )
        .await;
    assert_eq!(r.error_kind.as_deref(), Some("validation"));
    assert_eq!(
        r.data.unwrap(),
        json!({"error": {"code": "SKILL_SPACE_NOT_CONFIGURED", "message": "Skill space is not configured or disabled.", "details": {"mention": "$[nope].nobody", "namespace": "nope"}}})
    );
    let r = h
        .call(
            "skill_exec",
            json!({"skill_mention": "$[web].hello", "action_id": "missing"}),
        )
        .await;
    assert_eq!(r.error_kind.as_deref(), Some("not_found"));
    assert_eq!(
        r.stderr,
        "Skill action is not found in SKILL.md frontmatter."
    );
    let r = h
        .call(
            "skill_exec",
            json!({"skill_mention": "$[web].nobody", "action_id": "x"}),
        )
        .await;
    assert_eq!(r.error_kind.as_deref(), Some("not_found"));
    assert_eq!(r.data.unwrap()["error"]["code"], "SKILL_UNKNOWN");
    let r = h
        .call(
            "skill_exec",
            json!({"skill_mention": "hello", "action_id": "x"}),
        )
        .await;
    assert_eq!(r.error_kind.as_deref(), Some("validation"));
    assert_eq!(
        r.data.unwrap()["error"]["code"],
        "SKILL_MENTION_FORMAT_INVALID"
    );
    let r = h
        .call(
            "skill_exec",
            json!({"skill_mention": "$[web].hello", "action_id": "greet", "x": 1}),
        )
        .await;
    assert_eq!(r.stderr, "skill_exec arguments contain unknown fields.");

    let intent = tools::resolve_skill_action(&h.ctx, "$[web].hello", "escape");
    assert_eq!(intent.resolve_error.as_deref(), Some("argv_path_escape"));
    let intent = tools::resolve_skill_action(&h.ctx, "not a mention", "greet");
    assert_eq!(
        intent.resolve_error.as_deref(),
        Some("not_a_single_full_token")
    );
    let intent = tools::resolve_skill_action(&h.ctx, "$[nope].hello", "greet");
    assert_eq!(
        intent.resolve_error.as_deref(),
        Some("SKILL_SPACE_NOT_CONFIGURED: Skill space is not configured or disabled.")
    );
}

#[tokio::test]
async fn a_configured_space_without_skills_answers_skill_unknown_not_space_not_configured() {
    // As `manager_ops.resolve_mentions`: the namespace is an enabled space, so the name is
    // what is missing, whether or not the space indexed anything.
    let h = skill_harness("skills-empty-space", true, true);
    let r = h
        .call(
            "skill_exec",
            json!({"skill_mention": "$[empty].nobody", "action_id": "x"}),
        )
        .await;
    assert_eq!(r.error_kind.as_deref(), Some("not_found"));
    assert_eq!(
        r.data.unwrap(),
        json!({"error": {"code": "SKILL_UNKNOWN", "message": "Referenced skill is not found in configured spaces.", "details": {"mention": "$[empty].nobody"}}})
    );
    let r = h
        .call(
            "skill_ref_read",
            json!({"skill_mention": "$[empty].nobody", "ref_path": "references/a.md"}),
        )
        .await;
    assert_eq!(r.error_kind.as_deref(), Some("not_found"));
    assert_eq!(r.data.unwrap()["error"]["code"], "SKILL_UNKNOWN");
    let intent = tools::resolve_skill_action(&h.ctx, "$[empty].nobody", "x");
    assert_eq!(
        intent.resolve_error.as_deref(),
        Some("SKILL_UNKNOWN: Referenced skill is not found in configured spaces.")
    );
    // A namespace that is no enabled space is still "not configured".
    let r = h
        .call(
            "skill_ref_read",
            json!({"skill_mention": "$[nope].nobody", "ref_path": "references/a.md"}),
        )
        .await;
    assert_eq!(
        r.data.unwrap()["error"]["code"],
        "SKILL_SPACE_NOT_CONFIGURED"
    );
}

#[tokio::test]
async fn skill_ref_read_reads_only_references() {
    let h = skill_harness("skills-ref", false, true);
    let call = |ref_path: &str, extra: Value| {
        let mut args = json!({"skill_mention": "$[web].hello", "ref_path": ref_path});
        if let Value::Object(m) = extra {
            args.as_object_mut().unwrap().extend(m);
        }
        let ctx = h.ctx.clone();
        async move { call_with(&ctx, "skill_ref_read", args).await }
    };
    let r = call("references/guide.md", json!({})).await;
    assert!(r.ok);
    assert_eq!(r.stdout, "0123456789");
    let r = call("references/guide.md", json!({"max_bytes": 4})).await;
    assert!(r.truncated);
    assert_eq!(r.stdout, "0123\n<truncated>");
    let r = call("SKILL.md", json!({})).await;
    assert_eq!(r.error_kind.as_deref(), Some("permission"));
    assert_eq!(
        r.stderr,
        "ref_path must start with 'references/' (or 'assets/' when enabled)."
    );
    let r = call("references/../SKILL.md", json!({})).await;
    assert_eq!(r.stderr, "ref_path must not contain '..' segments.");
    let r = call("references/none.md", json!({})).await;
    assert_eq!(r.error_kind.as_deref(), Some("not_found"));
}

#[tokio::test]
async fn skill_ref_read_reads_the_configured_default_max_bytes_without_max_bytes() {
    let mut h = skill_harness("skills-ref-default", false, true);
    let mut config = (*h.ctx.config).clone();
    config.skills.references_default_max_bytes = 6;
    h.ctx.config = Arc::new(config);
    let args = json!({"skill_mention": "$[web].hello", "ref_path": "references/guide.md"});
    let r = call_with(&h.ctx, "skill_ref_read", args.clone()).await;
    assert!(r.truncated, "{r:?}");
    assert_eq!(r.stdout, "012345\n<truncated>");
    // An explicit max_bytes still wins.
    let mut explicit = args;
    explicit["max_bytes"] = json!(100);
    let r = call_with(&h.ctx, "skill_ref_read", explicit).await;
    assert_eq!((r.truncated, r.stdout.as_str()), (false, "0123456789"));
}

// ---------------------------------------------------------------------------------------------
// Sandbox

#[tokio::test]
async fn restricted_without_an_adapter_is_denied_never_run_unsandboxed() {
    let h = harness("sandbox-none");
    let marker = h.root().join("ran");
    let r = h
        .call(
            "shell_exec",
            json!({"argv": ["touch", marker.to_str().unwrap()], "sandbox": "restricted"}),
        )
        .await;
    assert_eq!(r.error_kind.as_deref(), Some("sandbox_denied"));
    assert_eq!(
        r.stderr,
        "Sandbox is required but no sandbox adapter is configured."
    );
    assert_eq!(
        r.data,
        Some(
            json!({"sandbox": {"requested": "restricted", "effective": "restricted", "adapter": null, "active": false}})
        )
    );
    assert!(!marker.exists());

    let mut config = run_config();
    config.sandbox.default_policy = SandboxPolicy::Restricted;
    let h = harness_with("sandbox-default", config, SkillIndex::default());
    let r = h.call("shell_exec", json!({"argv": ["true"]})).await;
    assert_eq!(r.error_kind.as_deref(), Some("sandbox_denied"));
    assert_eq!(r.data.unwrap()["sandbox"]["requested"], "inherit");
    let r = h
        .call("shell_exec", json!({"argv": ["true"], "sandbox": "none"}))
        .await;
    assert_eq!(r.error_kind.as_deref(), Some("validation"));
    assert_eq!(r.stderr, "invalid sandbox policy: none");
}

#[tokio::test]
async fn shell_tools_use_the_adapter_created_for_the_run_not_a_fresh_lookup() {
    // The run's adapter is what counts, whatever the configuration would resolve to now.
    let mut h = harness("sandbox-run-adapter");
    h.ctx.sandbox = Some(Arc::new(SandboxAdapter::Seatbelt {
        sandbox_exec: "sandbox-exec".into(),
        profile: String::new(),
    }));
    let r = h
        .call(
            "shell_exec",
            json!({"argv": ["true"], "sandbox": "restricted"}),
        )
        .await;
    assert_eq!(r.error_kind.as_deref(), Some("sandbox_denied"));
    assert_eq!(r.stderr, "Seatbelt sandbox profile is empty.");
    assert_eq!(
        r.data.unwrap()["sandbox"]["adapter"],
        "SeatbeltSandboxAdapter"
    );

    let mut config = run_config();
    config.sandbox.os_mode = OsSandboxMode::Bubblewrap;
    config.sandbox.bwrap_path = "/bin/true".into();
    let mut h = harness_with("sandbox-run-none", config, SkillIndex::default());
    assert!(h.ctx.sandbox.is_some(), "the harness resolves it once");
    h.ctx.sandbox = None;
    let r = h
        .call(
            "shell_exec",
            json!({"argv": ["true"], "sandbox": "restricted"}),
        )
        .await;
    assert_eq!(r.error_kind.as_deref(), Some("sandbox_denied"));
    assert_eq!(
        r.stderr,
        "Sandbox is required but no sandbox adapter is configured."
    );
    assert_eq!(
        r.data,
        Some(
            json!({"sandbox": {"requested": "restricted", "effective": "restricted", "adapter": null, "active": false}})
        )
    );
}

/// Whether bubblewrap can run here; `false` (after a loud notice) when the test should be
/// skipped. Under `CI=true` a missing or broken bwrap fails the test instead.
fn bwrap_usable() -> bool {
    let works = std::process::Command::new("bwrap")
        .args(["--dev-bind", "/", "/", "true"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if works {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("bwrap is required in CI (install bubblewrap)");
    }
    eprintln!("SKIPPED: bwrap is not installed or cannot create namespaces here");
    false
}

fn bwrap_harness(tag: &str, unshare_net: bool) -> Harness {
    let mut config = run_config();
    config.sandbox.os_mode = OsSandboxMode::Bubblewrap;
    config.sandbox.unshare_net = unshare_net;
    harness_with(tag, config, SkillIndex::default())
}

#[tokio::test]
async fn bubblewrap_runs_inside_the_workspace_only() {
    if !bwrap_usable() {
        return;
    }
    let outside = TempDir::new("bwrap-outside");
    let h = bwrap_harness("bwrap-fs", true);
    std::fs::create_dir(h.root().join("sub")).unwrap();
    let r = h
        .call("shell_exec", json!({"argv": ["sh", "-c", "pwd; echo hi > made.txt"], "cwd": "sub", "sandbox": "restricted"}))
        .await;
    assert!(r.ok, "{r:?}");
    assert_eq!(r.stdout, "/work/sub\n");
    assert_eq!(
        r.data,
        Some(
            json!({"sandbox": {"requested": "restricted", "effective": "restricted", "adapter": "BubblewrapSandboxAdapter", "active": true}})
        )
    );
    assert_eq!(
        std::fs::read_to_string(h.root().join("sub/made.txt")).unwrap(),
        "hi\n"
    );

    let target = outside.path().join("escaped.txt");
    for script in [
        format!("echo x > {}", target.display()),
        "echo x > /etc/skills-lsp-escape".to_owned(),
        "echo x > /usr/skills-lsp-escape".to_owned(),
    ] {
        let r = h
            .call(
                "shell_exec",
                json!({"argv": ["sh", "-c", script], "sandbox": "restricted"}),
            )
            .await;
        assert!(!r.ok, "{script}: {r:?}");
    }
    assert!(!target.exists());
    assert!(!Path::new("/etc/skills-lsp-escape").exists());
}

#[tokio::test]
async fn bubblewrap_cuts_the_network() {
    if !bwrap_usable() {
        return;
    }
    if !Path::new("/bin/bash").exists() {
        eprintln!("SKIPPED: /bin/bash is needed to open a TCP connection");
        return;
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let script = format!("exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected");
    // Control: without --unshare-net the listener is reachable, so the check below means
    // something.
    let open = bwrap_harness("bwrap-net-open", false);
    let r = open
        .call(
            "shell_exec",
            json!({"argv": ["/bin/bash", "-c", script], "sandbox": "restricted"}),
        )
        .await;
    assert_eq!(r.stdout, "connected\n", "{r:?}");
    let closed = bwrap_harness("bwrap-net", true);
    let r = closed
        .call(
            "shell_exec",
            json!({"argv": ["/bin/bash", "-c", script], "sandbox": "restricted"}),
        )
        .await;
    assert!(!r.ok, "{r:?}");
    assert_eq!(r.stdout, "");
}

#[tokio::test]
async fn bubblewrap_cancellation_leaves_nothing_behind() {
    if !bwrap_usable() {
        return;
    }
    let h = bwrap_harness("bwrap-cancel", true);
    let cancel = h.ctx.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        cancel.cancel();
    });
    // A duration no other process uses, to find the sleeps afterwards.
    let secs = 100_000 + fastrand::u32(..100_000);
    let r = h
        .call(
            "shell_exec",
            json!({"argv": ["sh", "-c", format!("sleep {secs} & sleep {secs}")], "sandbox": "restricted"}),
        )
        .await;
    assert_eq!(r.error_kind.as_deref(), Some("cancelled"));
    let needle = format!("sleep\0{secs}\0");
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut survivors = usize::MAX;
    while survivors > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        survivors = std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| {
                let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
                let state = stat
                    .rsplit(')')
                    .next()
                    .unwrap_or("")
                    .split_whitespace()
                    .next();
                let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
                state != Some("Z") && String::from_utf8_lossy(&cmdline).contains(&needle)
            })
            .count();
    }
    assert_eq!(
        survivors, 0,
        "sandboxed processes survived the cancellation"
    );
}
