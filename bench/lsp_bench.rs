//! Language server benchmark: drives the (release) `skills-lsp` binary over stdio on the
//! synthetic workspace from `bench/gen_workspace.py` and prints a Markdown table of latencies
//! against the targets of issue 3. Not a test: nothing is enforced. See `bench/README.md`
//! and `bench/lsp.sh`, which builds everything and prepares the workspace.
//!
//! ```sh
//! target/release/examples/lsp_bench --bin target/release/skills-lsp --ws bench/work/ws-lsp \
//!     [--edits 200] [--runs 3] [--prepare]
//! ```
//!
//! `--prepare` appends one mention of a chosen skill to 1,000 other SKILL.md files (once; a
//! marker file records it), so that references have 1,000 sites to find.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use skills_lsp_tests::lsp_client::{ClientSetup, LspClient, Spawn};
use skills_lsp_tests::lsp_text::{DocModel, Encoding, Pos, file_uri, range_json};

const MARKER: &str = ".lsp-bench-mentions";
const MENTION_SITES: usize = 1000;

struct Args {
    bin: PathBuf,
    ws: PathBuf,
    edits: usize,
    runs: usize,
    prepare: bool,
    /// `initializationOptions` for the server (e.g. `{"skills": {"mentionGlobs": []}}`).
    init_options: Option<Value>,
    /// Stop after the index timings.
    index_only: bool,
}

fn usage() -> ! {
    eprintln!("usage: lsp_bench --bin PATH --ws PATH [--edits N (200)] [--runs N (3)] [--prepare]");
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut args = Args {
        bin: PathBuf::new(),
        ws: PathBuf::new(),
        edits: 200,
        runs: 3,
        prepare: false,
        init_options: None,
        index_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--bin" => args.bin = PathBuf::from(value()),
            "--ws" => args.ws = PathBuf::from(value()),
            "--edits" => args.edits = value().parse().unwrap_or_else(|_| usage()),
            "--runs" => args.runs = value().parse().unwrap_or_else(|_| usage()),
            "--prepare" => args.prepare = true,
            "--index-only" => args.index_only = true,
            "--init-options" => {
                args.init_options = Some(serde_json::from_str(&value()).unwrap_or_else(|e| {
                    eprintln!("lsp_bench: --init-options: {e}");
                    std::process::exit(2)
                }))
            }
            _ => usage(),
        }
    }
    if args.bin.as_os_str().is_empty() || args.ws.as_os_str().is_empty() || args.runs == 0 {
        usage();
    }
    args.bin = args.bin.canonicalize().unwrap_or_else(|e| {
        eprintln!("lsp_bench: {}: {e}", args.bin.display());
        std::process::exit(2)
    });
    args.ws = args.ws.canonicalize().unwrap_or_else(|e| {
        eprintln!("lsp_bench: {}: {e}", args.ws.display());
        std::process::exit(2)
    });
    args
}

/// Every SKILL.md under `dir`, sorted.
fn skill_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(t) if t.is_file() && p.file_name().is_some_and(|n| n == "SKILL.md") => {
                    out.push(p)
                }
                _ => {}
            }
        }
    }
    out.sort();
    out
}

/// A skill whose frontmatter the runtime accepts in spirit: closed, with `name:` and
/// `description:` lines.
fn frontmatter_name(text: &str) -> Option<String> {
    let rest = text.strip_prefix("---\n")?;
    let end = rest.find("\n---\n")?;
    let fm = &rest[..end];
    if !fm.lines().any(|l| l.starts_with("description: ")) {
        return None;
    }
    let name = fm.lines().find_map(|l| l.strip_prefix("name: "))?.trim();
    let valid = name.len() >= 2
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    valid.then(|| name.to_owned())
}

/// The workspace's skills of space `docs` (namespace `acme:docs:api`): (path, name).
fn docs_skills(ws: &Path) -> Vec<(PathBuf, String)> {
    skill_files(&ws.join("lib/docs"))
        .into_iter()
        .filter_map(|p| {
            let t = std::fs::read_to_string(&p).ok()?;
            frontmatter_name(&t).map(|n| (p, n))
        })
        .collect()
}

const NS: &str = "acme:docs:api";

/// The skill that gets 1,000 extra mentions: the first valid one of `acme:docs:api`.
fn target(ws: &Path) -> (PathBuf, String) {
    docs_skills(ws).into_iter().next().unwrap_or_else(|| {
        eprintln!(
            "lsp_bench: no skill under {}/lib/docs; generate the workspace first",
            ws.display()
        );
        std::process::exit(2)
    })
}

/// Appends a mention of the target to `MENTION_SITES` other SKILL.md files (once).
fn prepare(ws: &Path) {
    let marker = ws.join(MARKER);
    if marker.exists() {
        eprintln!("lsp_bench: mentions already added ({})", marker.display());
        return;
    }
    let (target_path, name) = target(ws);
    let line = format!("\nSee also $[{NS}].{name} for the shared conventions.\n");
    let mut added = 0;
    for p in skill_files(&ws.join("lib")) {
        if added == MENTION_SITES {
            break;
        }
        if p == target_path {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        if frontmatter_name(&text).is_none() {
            continue;
        }
        std::fs::write(&p, format!("{text}{line}")).expect("append a mention");
        added += 1;
    }
    std::fs::write(&marker, format!("$[{NS}].{name} x {added}\n")).expect("write the marker");
    eprintln!("lsp_bench: added {added} mentions of $[{NS}].{name}");
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// The "p50 / p99 ms" cell of a sorted series.
fn p50_p99(sorted: &[Duration]) -> String {
    format!(
        "{} / {} ms",
        ms(percentile(sorted, 0.5)),
        ms(percentile(sorted, 0.99))
    )
}

fn vm_kib(pid: u32, key: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

struct Row {
    what: String,
    target: String,
    measured: String,
    /// Measured and target in the same unit, for the verdict; `None`: informational.
    check: Option<(f64, f64)>,
}

fn row(what: &str, target: &str, measured: String, check: Option<(f64, f64)>) -> Row {
    Row {
        what: what.into(),
        target: target.into(),
        measured,
        check,
    }
}

/// Starts the server, initializes, waits for `skills/indexed`; returns the client and the
/// (spawn → indexed, initialize → indexed, server-reported) times.
fn start(args: &Args) -> (LspClient, Duration, Duration, Value) {
    let t0 = Instant::now();
    let mut c = LspClient::spawn(&Spawn::new(&args.bin, &args.ws));
    c.timeout = Duration::from_secs(120);
    let mut setup = ClientSetup::new(&[&args.ws]);
    setup.encodings = vec![Encoding::Utf16];
    setup.initialization_options = args.init_options.clone();
    let t1 = Instant::now();
    c.initialize(setup.params());
    let indexed = c.wait_notification("skills/indexed");
    let now = Instant::now();
    (c, now - t0, now - t1, indexed)
}

fn open(c: &mut LspClient, path: &Path, text: &str) -> String {
    let uri = file_uri(path);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}}),
    );
    c.wait_diagnostics(&uri, Some(1));
    uri
}

/// Sends one change and waits for the diagnostics of the new version; returns the latency.
fn timed_change(c: &mut LspClient, uri: &str, doc: &mut DocModel, change: Value) -> Duration {
    c.clear_inbox();
    doc.apply(&change);
    doc.version += 1;
    let t = Instant::now();
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": doc.version}, "contentChanges": [change]}),
    );
    c.wait_diagnostics(uri, Some(doc.version));
    t.elapsed()
}

/// Typing in a document: insert a character, delete it again; every fourth pair edits a
/// mention's name instead (an unknown name triggers did-you-mean).
fn edit_series(c: &mut LspClient, uri: &str, doc: &mut DocModel, n: usize) -> Vec<Duration> {
    let mut times = Vec::with_capacity(n);
    let mut seed: u64 = 0x1729;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mention_ends: Vec<usize> = doc
        .text
        .match_indices(&format!("$[{NS}]."))
        .map(|(i, m)| i + m.len() + 2)
        .collect();
    let body_start = doc.text.find("\n---\n").map_or(0, |i| i + 5);
    while times.len() < n {
        let use_mention = times.len() % 8 >= 6 && !mention_ends.is_empty();
        let at = if use_mention {
            mention_ends[(next() as usize) % mention_ends.len()]
        } else {
            let mut at = body_start + (next() as usize) % (doc.text.len() - body_start);
            while !doc.text.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        let p = doc.pos(at);
        times.push(timed_change(
            c,
            uri,
            doc,
            json!({"range": range_json(p, p), "text": "q"}),
        ));
        let end = Pos::new(p.line, p.character + 1);
        times.push(timed_change(
            c,
            uri,
            doc,
            json!({"range": range_json(p, end), "text": ""}),
        ));
    }
    times.sort();
    times
}

fn completion_series(c: &mut LspClient, uri: &str, pos: Pos, n: usize) -> (Vec<Duration>, usize) {
    let mut times = Vec::with_capacity(n);
    let mut count = 0;
    for _ in 0..n {
        c.clear_inbox();
        let t = Instant::now();
        let r = c.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": pos.to_json()}),
        );
        times.push(t.elapsed());
        count = match &r {
            Value::Array(a) => a.len(),
            v => v["items"].as_array().map_or(0, Vec::len),
        };
    }
    times.sort();
    (times, count)
}

/// A Markdown document of about `bytes` bytes with a valid mention on every line.
fn big_document(names: &[String], bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 256);
    let mut i = 0;
    s.push_str("# Big notes\n\n");
    while s.len() < bytes {
        let name = &names[i % names.len()];
        s.push_str(&format!(
            "Line {i}: the reviewer should hand this over to $[{NS}].{name} once the draft is stable and checked.\n"
        ));
        i += 1;
    }
    s
}

fn main() {
    let args = parse_args();
    if args.prepare {
        prepare(&args.ws);
    }
    let (target_path, target_name) = target(&args.ws);
    let mut rows = Vec::new();

    // 1. initialize → index complete, `runs` times; the last session goes on.
    let mut spawn_times = Vec::new();
    let mut init_times = Vec::new();
    let mut server_ms = Vec::new();
    let mut session = None;
    let mut indexed = Value::Null;
    for run in 0..args.runs {
        let (mut c, spawn_to_indexed, init_to_indexed, p) = start(&args);
        eprintln!(
            "lsp_bench: run {}: indexed in {} ms (server says {} ms): {p}",
            run + 1,
            ms(spawn_to_indexed),
            p["elapsedMs"]
        );
        spawn_times.push(spawn_to_indexed);
        init_times.push(init_to_indexed);
        if let Some(v) = p["elapsedMs"].as_f64() {
            server_ms.push(v);
        }
        indexed = p;
        if run + 1 == args.runs {
            session = Some(c);
        } else {
            let _ = c.shutdown_and_exit();
        }
    }
    spawn_times.sort();
    init_times.sort();
    let med = |v: &[Duration]| percentile(v, 0.5);
    rows.push(row(
        "initialize → `skills/indexed` (median of runs; spawn → indexed)",
        "≤ 500 ms",
        format!(
            "{} ms (spawn → indexed {} ms; server-reported {})",
            ms(med(&init_times)),
            ms(med(&spawn_times)),
            server_ms
                .iter()
                .map(|v| format!("{v:.0}"))
                .collect::<Vec<_>>()
                .join("/")
        ),
        Some((med(&init_times).as_secs_f64() * 1000.0, 500.0)),
    ));
    let mut c = session.expect("at least one run");
    let pid = c.pid();
    let hwm_after_index = vm_kib(pid, "VmHWM:").unwrap_or(0);
    if args.index_only {
        rows.push(row(
            "peak RSS of the server after indexing (VmHWM)",
            "≤ 150 MB",
            format!("{:.1} MB", hwm_after_index as f64 / 1024.0),
            Some((hwm_after_index as f64 / 1024.0, 150.0)),
        ));
        let code = c.shutdown_and_exit();
        print_table(&args, &indexed, code, &rows);
        return;
    }

    // 2. didChange → diagnostics, 5 KB SKILL.md.
    let skills = docs_skills(&args.ws);
    let (doc_path, _) = skills
        .iter()
        .skip(1)
        .find(|(p, _)| {
            std::fs::read_to_string(p).is_ok_and(|t| t.matches(&format!("$[{NS}].")).count() >= 2)
        })
        .cloned()
        .expect("a skill with mentions");
    let full = std::fs::read_to_string(&doc_path).expect("read the 5 KB document");
    let mut cut = full.len().min(5 * 1024);
    while !full.is_char_boundary(cut) {
        cut -= 1;
    }
    let cut = full[..cut].rfind('\n').map_or(cut, |i| i + 1);
    let text = full[..cut].to_owned();
    let uri = open(&mut c, &doc_path, &text);
    let mut doc = DocModel::new(text, Encoding::Utf16);
    let t = edit_series(&mut c, &uri, &mut doc, args.edits);
    rows.push(row(
        &format!(
            "didChange → publishDiagnostics, {:.1} KB SKILL.md ({} edits) p50 / p99",
            doc.text.len() as f64 / 1024.0,
            t.len()
        ),
        "p99 ≤ 5 ms",
        p50_p99(&t),
        Some((percentile(&t, 0.99).as_secs_f64() * 1000.0, 5.0)),
    ));

    // 3. Completion inside `$[` (namespaces), and after `].` (skills of a namespace).
    let end = doc.pos(doc.text.len());
    timed_change(
        &mut c,
        &uri,
        &mut doc,
        json!({"range": range_json(end, end), "text": "Then use $["}),
    );
    let at = doc.pos(doc.text.len());
    let (t, n) = completion_series(&mut c, &uri, at, args.edits);
    rows.push(row(
        &format!(
            "completion inside `$[` ({n} items, {} requests) p50 / p99",
            t.len()
        ),
        "p99 ≤ 5 ms",
        p50_p99(&t),
        Some((percentile(&t, 0.99).as_secs_f64() * 1000.0, 5.0)),
    ));
    timed_change(
        &mut c,
        &uri,
        &mut doc,
        json!({"range": range_json(at, at), "text": format!("{NS}].")}),
    );
    let at = doc.pos(doc.text.len());
    let (t, n) = completion_series(&mut c, &uri, at, args.edits);
    rows.push(row(
        &format!(
            "completion after `$[{NS}].` ({n} items, {} requests) p50 / p99",
            t.len()
        ),
        "(no target)",
        p50_p99(&t),
        None,
    ));

    // 4. References for the skill mentioned 1,000 times.
    let target_text = std::fs::read_to_string(&target_path).expect("read the target skill");
    let name_at = target_text
        .find(&format!("name: {target_name}"))
        .map(|i| i + 6)
        .expect("name line");
    let target_uri = open(&mut c, &target_path, &target_text);
    let pos = skills_lsp_tests::lsp_text::position_at(&target_text, name_at + 1, Encoding::Utf16);
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..20 {
        c.clear_inbox();
        let t = Instant::now();
        let r = c.request(
            "textDocument/references",
            json!({"textDocument": {"uri": target_uri}, "position": pos.to_json(),
                   "context": {"includeDeclaration": false}}),
        );
        times.push(t.elapsed());
        found = r.as_array().map_or(0, Vec::len);
    }
    times.sort();
    rows.push(row(
        &format!("references, `{target_name}` ({found} sites, 20 requests) median / max"),
        "≤ 50 ms",
        format!(
            "{} / {} ms",
            ms(percentile(&times, 0.5)),
            ms(*times.last().unwrap())
        ),
        Some((percentile(&times, 0.5).as_secs_f64() * 1000.0, 50.0)),
    ));

    // 5. didChange → diagnostics, 1 MB document.
    let names: Vec<String> = skills.iter().map(|(_, n)| n.clone()).collect();
    let big = big_document(&names, 1024 * 1024);
    let big_path = args.ws.join("notes/lsp-bench-big.md");
    let mentions = big.lines().count() - 2;
    let t = Instant::now();
    let big_uri = open(&mut c, &big_path, &big);
    let open_time = t.elapsed();
    let mut big_doc = DocModel::new(big, Encoding::Utf16);
    let t = edit_series(&mut c, &big_uri, &mut big_doc, 40);
    rows.push(row(
        &format!(
            "didChange → publishDiagnostics, {:.2} MB Markdown ({mentions} mentions, {} edits) p50 / max (didOpen {} ms)",
            big_doc.text.len() as f64 / (1024.0 * 1024.0),
            t.len(),
            ms(open_time)
        ),
        "≤ 50 ms",
        format!("{} / {} ms", ms(percentile(&t, 0.5)), ms(*t.last().unwrap())),
        Some((percentile(&t, 0.5).as_secs_f64() * 1000.0, 50.0)),
    ));

    // 6. Peak RSS.
    let hwm = vm_kib(pid, "VmHWM:").unwrap_or(0);
    rows.push(row(
        "peak RSS of the server (VmHWM; after indexing)",
        "≤ 150 MB",
        format!(
            "{:.1} MB ({:.1} MB)",
            hwm as f64 / 1024.0,
            hwm_after_index as f64 / 1024.0
        ),
        Some((hwm as f64 / 1024.0, 150.0)),
    ));
    let code = c.shutdown_and_exit();
    print_table(&args, &indexed, code, &rows);
}

fn print_table(args: &Args, indexed: &Value, code: i32, rows: &[Row]) {
    println!(
        "\n## skills-lsp language server benchmark\n\nWorkspace `{}`: {} skills, {} files (`skills/indexed`); server exit code {code}.\n",
        args.ws.display(),
        indexed["skills"],
        indexed["files"]
    );
    println!("| measurement | target | measured | |\n|---|---|---|---|");
    for r in rows {
        let verdict = match r.check {
            Some((v, t)) if v <= t => "met",
            Some(_) => "MISSED",
            None => "",
        };
        println!("| {} | {} | {} | {verdict} |", r.what, r.target, r.measured);
    }
}
