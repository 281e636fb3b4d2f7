//! The parsers never panic or hang: a deterministic mutation-fuzz loop over the conformance
//! corpus, plus hostile workspaces (huge files, alias bombs, deep nesting, symlink loops,
//! unreadable and special files, non-UTF-8 contents and file names). Each case must complete
//! within a deadline and report the expected diagnostic. Std only; temp dirs are cleaned up.
//!
//! The coverage-guided counterparts of the fuzz loop live in `fuzz/` (cargo-fuzz layout).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use skills_runtime::analysis::{AnalysisOptions, analyze_skill_text};
use skills_runtime::check::{CheckOptions, Workspace, check_workspace};
use skills_runtime::config::{self, LoadOptions, Origin};
use skills_runtime::mentions::{self, Mention};
use skills_runtime::rules::Profile;
use skills_runtime::settings::Settings;
use skills_runtime::skill::{DEFAULT_MAX_FRONTMATTER_BYTES, SkillDocument};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

use skills_lsp_tests::TempWorkspace as TempDir;

/// Runs `f` on its own thread (default 2 MiB stack) and fails if it panics or outlives
/// `limit`: a hang fails the test instead of stalling CI.
fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .name(what.into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .unwrap();
    match rx.recv_timeout(limit) {
        Ok(v) => {
            handle.join().unwrap();
            v
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let _ = handle.join();
            panic!("{what}: panicked");
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: did not finish within {limit:?}"),
    }
}

/// A config with one space `web` over the filesystem source rooted at `skills/`.
const RUNTIME_YAML: &str = "skills:
  spaces:
    - {id: main, namespace: web, sources: [fs]}
  sources:
    - {id: fs, type: filesystem, options: {root: skills}}
";

fn skill_md(name: &str) -> String {
    format!("---\nname: {name}\ndescription: A test skill.\n---\n# {name}\n")
}

/// A workspace with the standard config and one valid skill (`web`/`good`).
fn workspace(name: &str) -> TempDir {
    let t = TempDir::new(name);
    t.write("config/runtime.yaml", RUNTIME_YAML);
    t.write("skills/good/SKILL.md", skill_md("good"));
    t
}

/// `check_workspace` on `root` (no `.env`, no environment), bounded by `limit`.
fn check_paths(root: &Path, paths: Vec<PathBuf>, limit: Duration) -> Workspace {
    let root = root.to_path_buf();
    let what = format!("check {}", root.display());
    within(limit, &what, move || {
        check_workspace(&CheckOptions {
            config: LoadOptions {
                workspace_root: root,
                cli_overlays: vec![],
                use_dotenv: false,
                env: HashMap::new(),
            },
            paths,
            profile: None,
            settings: Settings::default(),
            nested_workspaces: Vec::new(),
        })
    })
}

fn check(root: &Path) -> Workspace {
    check_paths(root, vec![], Duration::from_secs(20))
}

fn codes(ws: &Workspace) -> Vec<&'static str> {
    ws.diagnostics.iter().map(|d| d.code()).collect()
}

/// Asserts a diagnostic with `code` exists on a path ending in `suffix`.
#[track_caller]
fn assert_code(ws: &Workspace, code: &str, suffix: impl AsRef<Path>) {
    let suffix = suffix.as_ref();
    assert!(
        ws.diagnostics
            .iter()
            .any(|d| d.code() == code && d.path.ends_with(suffix)),
        "expected {code} on …/{}; got:\n{}",
        suffix.display(),
        render(ws)
    );
}

#[track_caller]
fn assert_no_code(ws: &Workspace, code: &str) {
    assert!(
        !codes(ws).contains(&code),
        "unexpected {code}; got:\n{}",
        render(ws)
    );
}

fn render(ws: &Workspace) -> String {
    ws.diagnostics
        .iter()
        .map(|d| {
            let msg: String = d.message.chars().take(200).collect();
            format!("  {} {}: {msg}\n", d.code(), d.path.display())
        })
        .collect()
}

fn indexed(ws: &Workspace, name: &str) -> bool {
    ws.index.skills.iter().any(|s| s.name == name)
}

// ---------------------------------------------------------------------------------------------
// Deterministic mutation fuzzing
// ---------------------------------------------------------------------------------------------

/// xorshift64*: small, fast, and the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const MAX_INPUT: usize = 4096;

const TOKENS: &[&[u8]] = &[
    b"---",
    b"---\n",
    b"\n---\n",
    b"\r\n",
    b"\r",
    b"\n",
    "\u{2028}".as_bytes(),
    "\u{feff}".as_bytes(),
    "\u{85}".as_bytes(),
    b"$[",
    b"].",
    b"]",
    b": ",
    b"&a ",
    b"*a",
    b"<<: ",
    b"<<: *a\n",
    b"!!",
    b"!!python/object ",
    b"[",
    b"{",
    b"}",
    b"\t",
    b"\xff",
    b"\xc3",
    b"\"",
    b"'",
    b"- ",
    b"? ",
    b"|\n",
    b">-\n",
    b"#",
    b"%YAML 1.1\n",
    b"name: ",
    b"description: ",
    b"skills:\n  ",
    b"$[web].ab",
    b"$[a:b].c_",
    b"](./x.md)",
    b"\0",
    b"2024-13-45",
    b"0x1f",
    b"~",
];

/// SKILL.md and runtime.yaml files (regular files only) under the conformance workspaces.
fn seeds() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/workspaces");
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let Ok(t) = e.file_type() else { continue };
            let p = e.path();
            if t.is_dir() {
                stack.push(p);
            } else if t.is_file()
                && matches!(
                    p.file_name().and_then(|n| n.to_str()),
                    Some("SKILL.md" | "runtime.yaml")
                )
            {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() > 100, "conformance seeds not found");
    let mut out: Vec<Vec<u8>> = files
        .iter()
        .map(|p| {
            let mut b = std::fs::read(p).unwrap();
            b.truncate(MAX_INPUT);
            b
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(4) {
        let len = data.len();
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                data[i] = rng.next() as u8;
            }
            2 | 3 => {
                let tok = TOKENS[rng.below(TOKENS.len())];
                let at = rng.below(len + 1);
                let times = if rng.below(8) == 0 {
                    1 + rng.below(64)
                } else {
                    1
                };
                for _ in 0..times {
                    data.splice(at..at, tok.iter().copied());
                }
            }
            4 => data.truncate(rng.below(len + 1)),
            5 if len > 0 => {
                let a = rng.below(len);
                let b = (a + rng.below(64)).min(len);
                data.drain(a..b);
            }
            6 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                let to = (from + rng.below(512)).min(other.len());
                let at = rng.below(len + 1);
                data.splice(at..at, other[from..to].iter().copied());
            }
            _ if len > 0 => {
                // Duplicate a chunk in place (repeated keys, nested brackets, anchors).
                let a = rng.below(len);
                let b = (a + rng.below(128)).min(len);
                let chunk = data[a..b].to_vec();
                data.splice(b..b, chunk);
            }
            _ => data.push(rng.next() as u8),
        }
    }
    data.truncate(MAX_INPUT);
    data
}

/// The invariants callers rely on for every extracted mention.
fn check_mention(text: &[u8], as_str: Option<&str>, m: &Mention) {
    for r in [m.range, m.namespace_range, m.name_range] {
        assert!(
            r.start <= r.end && r.end <= text.len(),
            "{r:?} out of bounds"
        );
        if let Some(s) = as_str {
            assert!(
                s.is_char_boundary(r.start) && s.is_char_boundary(r.end),
                "{r:?} not on char boundaries"
            );
        }
    }
    assert!(m.range.start <= m.namespace_range.start && m.name_range.end == m.range.end);
    assert_eq!(&text[m.range.start..m.range.end], m.text().as_bytes());
    let parsed = mentions::parse_single(&m.text())
        .unwrap_or_else(|| panic!("parse_single({:?}) rejects an extracted mention", m.text()));
    assert_eq!(
        (&parsed.namespace, &parsed.skill_name),
        (&m.namespace, &m.skill_name)
    );
}

fn check_mentions(text: &[u8]) {
    let as_str = std::str::from_utf8(text).ok();
    let extracted = mentions::extract(text);
    for m in &extracted {
        check_mention(text, as_str, m);
    }
    let all = mentions::occurrences(text);
    assert!(all.len() >= extracted.len());
    for m in &all {
        check_mention(text, as_str, m);
    }
    for n in mentions::near_misses(text) {
        assert!(n.range.start <= n.range.end && n.range.end <= text.len());
        if let Some(m) = &n.extracted {
            check_mention(text, as_str, m);
        }
        if let Some(s) = &n.suggestion {
            assert!(mentions::parse_single(s).is_some(), "suggestion {s:?}");
        }
    }
}

/// Every parser over one input.
fn exercise(data: &[u8], bundle: &Path, iteration: usize) {
    let cap = if iteration % 5 == 0 {
        1 + iteration % 300
    } else {
        DEFAULT_MAX_FRONTMATTER_BYTES
    };
    let _ = SkillDocument::parse(data, cap);
    let opts = AnalysisOptions {
        max_frontmatter_bytes: cap,
        injection_max_bytes: Some(2048),
        profile: if iteration % 2 == 0 {
            Profile::Runtime
        } else {
            Profile::AgentSkills
        },
    };
    let _ = analyze_skill_text(&bundle.join("SKILL.md"), data, bundle, &opts);

    check_mentions(data);
    let lossy = String::from_utf8_lossy(data);
    check_mentions(lossy.as_bytes());
    if let Some(m) = mentions::parse_single(&lossy) {
        let again = mentions::parse_single(&m.text()).expect("a parsed mention parses again");
        assert_eq!(
            (again.namespace, again.skill_name),
            (m.namespace, m.skill_name)
        );
    }

    let root = bundle.to_path_buf();
    let mut overlays = vec![(
        root.join("config/runtime.yaml"),
        Origin::Discovered,
        data.to_vec(),
    )];
    if iteration % 7 == 0 {
        overlays.push((
            root.join("extra.yaml"),
            Origin::Cli,
            RUNTIME_YAML.as_bytes().to_vec(),
        ));
        overlays.rotate_left(iteration / 7 % 2);
    }
    let cfg = config::load_texts(root, overlays);
    let _ = cfg.has_overlays();
}

#[test]
fn mutation_fuzz_never_panics() {
    let seeds = seeds();
    // A bundle directory that does not exist: link checks stay off the real disk.
    let bundle = std::env::temp_dir().join("skills-robustness-nonexistent/skill");
    let iterations: usize = std::env::var("SKILLS_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30_000);
    let mut rng = Rng(0x5eed_f00d_cafe_1115);
    let start = Instant::now();
    let mut failure = None;
    for i in 0..iterations {
        let data = mutate(&mut rng, &seeds);
        let run = std::panic::AssertUnwindSafe(|| exercise(&data, &bundle, i));
        if let Err(e) = std::panic::catch_unwind(run) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failure = Some((i, msg, data));
            break;
        }
    }
    if let Some((i, msg, data)) = failure {
        panic!(
            "iteration {i} panicked: {msg}\ninput ({} bytes): {:?}",
            data.len(),
            String::from_utf8_lossy(&data)
        );
    }
    eprintln!("{iterations} mutated inputs in {:.2?}", start.elapsed());
}

// ---------------------------------------------------------------------------------------------
// Huge files
// ---------------------------------------------------------------------------------------------

const HUGE: usize = 50 * 1024 * 1024;

#[test]
fn fifty_megabyte_skill_body() {
    let t = workspace("huge-body");
    t.write(
        "config/runtime.yaml",
        format!("{RUNTIME_YAML}  injection:\n    max_bytes: 1000000\n"),
    );
    let mut text = skill_md("huge").into_bytes();
    let line = b"Plain body text with no mentions, links or anything else of note.\n";
    text.reserve(HUGE);
    while text.len() < HUGE {
        text.extend_from_slice(line);
    }
    text.extend_from_slice(b"Last line uses $[web].good and $[web].missing.\n");
    t.write("skills/huge/SKILL.md", &text);
    drop(text);
    let start = Instant::now();
    let ws = check(t.path());
    eprintln!("50 MB body: {:.2?}", start.elapsed());
    assert!(indexed(&ws, "huge") && indexed(&ws, "good"));
    assert_code(&ws, "SK203", "skills/huge/SKILL.md"); // body-too-large
    assert_code(&ws, "SK301", "skills/huge/SKILL.md"); // unknown-skill `missing`
}

#[test]
fn fifty_megabyte_frontmatter_line() {
    let t = workspace("huge-line");
    let mut text = b"---\nname: long\ndescription: ".to_vec();
    text.resize(text.len() + HUGE, b'x');
    text.extend_from_slice(b"\n---\nbody\n");
    t.write("skills/long/SKILL.md", &text);
    drop(text);
    let start = Instant::now();
    let ws = check(t.path());
    eprintln!("50 MB frontmatter line: {:.2?}", start.elapsed());
    assert_code(&ws, "SK103", "skills/long/SKILL.md"); // frontmatter-too-large
    assert!(indexed(&ws, "good") && !indexed(&ws, "long"));
}

// ---------------------------------------------------------------------------------------------
// Alias bombs
// ---------------------------------------------------------------------------------------------

/// Billion laughs, 9 levels of 9 aliases each (9^9 leaves if expanded), as YAML lines.
fn laughs_seq() -> String {
    let mut s = String::from(
        "l0: &l0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..=9 {
        let items = vec![format!("*l{}", i - 1); 9].join(",");
        s.push_str(&format!("l{i}: &l{i} [{items}]\n"));
    }
    s
}

/// The same with mappings: every traversal that follows aliases into mappings explodes.
fn laughs_map() -> String {
    let mut s = String::from("m0: &m0 {k: lol}\n");
    for i in 1..=9 {
        let items: Vec<String> = (0..9).map(|j| format!("k{j}: *m{}", i - 1)).collect();
        s.push_str(&format!("m{i}: &m{i} {{{}}}\n", items.join(", ")));
    }
    s
}

/// And with merge keys, each level merging the previous one nine times.
fn laughs_merge() -> String {
    let mut s = String::from("g0: &g0 {k: lol}\n");
    for i in 1..=9 {
        let items = vec![format!("*g{}", i - 1); 9].join(", ");
        s.push_str(&format!("g{i}: &g{i} {{<<: [{items}], own{i}: x}}\n"));
    }
    s
}

#[test]
fn alias_bombs_in_frontmatter() {
    let t = workspace("bomb-fm");
    let bombs = [
        ("seq", laughs_seq()),
        ("map", laughs_map()),
        ("merge", format!("{}<<: *g9\n", laughs_merge())),
    ];
    for (kind, bomb) in &bombs {
        t.write(
            format!("skills/{kind}/SKILL.md"),
            format!("---\nname: bomb-{kind}\ndescription: d\n{bomb}---\nbody\n"),
        );
    }
    let start = Instant::now();
    let ws = check_paths(t.path(), vec![], Duration::from_secs(10));
    eprintln!("frontmatter alias bombs: {:.2?}", start.elapsed());
    // PyYAML shares aliased nodes, so the runtime loads sequence and mapping bombs fine.
    for kind in ["seq", "map"] {
        assert!(indexed(&ws, &format!("bomb-{kind}")), "{}", render(&ws));
    }
    // But `flatten_mapping` copies merged pairs without de-duplicating: 9^9 of them, which
    // takes the runtime's scan out of memory. That is reported as a scan crash, quickly.
    assert!(!indexed(&ws, "bomb-merge"), "{}", render(&ws));
    assert!(
        ws.diagnostics.iter().any(|d| d.rule.code == "SK112"
            && d.path.ends_with("skills/merge/SKILL.md")
            && d.message.contains("merge keys")),
        "{}",
        render(&ws)
    );
    let ws = within(Duration::from_secs(10), "agentskills profile", {
        let root = t.path().to_path_buf();
        move || {
            let bundle = root.join("skills/map");
            let text = std::fs::read(bundle.join("SKILL.md")).unwrap();
            let opts = AnalysisOptions {
                profile: Profile::AgentSkills,
                ..Default::default()
            };
            analyze_skill_text(&bundle.join("SKILL.md"), &text, &bundle, &opts)
        }
    });
    assert!(ws.skill_name.is_some());
}

#[test]
fn alias_bombs_in_runtime_yaml() {
    let cases = [
        ("top-seq", laughs_seq()),
        ("top-map", laughs_map()),
        ("top-merge", laughs_merge()),
        // Under keys the schema descends into.
        (
            "skills-map",
            format!("{}{RUNTIME_YAML}  scan: *m9\n", laughs_map()),
        ),
        (
            "spaces-seq",
            format!("{}skills:\n  spaces: *l9\n  sources: *l9\n", laughs_seq()),
        ),
        (
            "merged-skills",
            format!("{}skills:\n  <<: *g9\n", laughs_merge()),
        ),
    ];
    for (name, yaml) in cases {
        let t = workspace(name);
        t.write("config/runtime.yaml", &yaml);
        let start = Instant::now();
        let ws = check_paths(t.path(), vec![], Duration::from_secs(10));
        eprintln!("runtime.yaml alias bomb {name}: {:.2?}", start.elapsed());
        // Unknown keys (SK404), wrong types (SK405), or a merge expansion the runtime cannot
        // finish (SK401): the config does not load.
        assert!(
            codes(&ws)
                .iter()
                .any(|c| matches!(*c, "SK401" | "SK404" | "SK405")),
            "{name}:\n{}",
            render(&ws)
        );
        let cfg = within(Duration::from_secs(10), name, move || {
            config::load_texts(
                PathBuf::from("/nonexistent"),
                vec![(
                    PathBuf::from("/nonexistent/runtime.yaml"),
                    Origin::Cli,
                    yaml.into_bytes(),
                )],
            )
        });
        assert!(!cfg.loads, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// Deep nesting
// ---------------------------------------------------------------------------------------------

const DEEP: usize = 10_000;

fn flow_seq(depth: usize) -> String {
    format!("{}x{}", "[".repeat(depth), "]".repeat(depth))
}

fn flow_map(depth: usize) -> String {
    format!("{}x{}", "{a: ".repeat(depth), "}".repeat(depth))
}

/// `- - - … x`: block sequences nested `depth` deep on one line.
fn block_seq(depth: usize) -> String {
    format!("{}x", "- ".repeat(depth))
}

/// Block mappings nested `depth` deep, one space of indentation per level, each line
/// prefixed by `indent` spaces.
fn block_map(depth: usize, indent: usize) -> String {
    let mut s = String::with_capacity(depth * (depth / 2 + indent + 4));
    for i in 0..depth {
        s.extend(std::iter::repeat_n(' ', indent + i));
        s.push_str("a:\n");
    }
    s.extend(std::iter::repeat_n(' ', indent + depth));
    s.push_str("x\n");
    s
}

#[test]
fn deep_nesting_in_frontmatter() {
    let t = workspace("deep-fm");
    // Block mappings 10,000 deep take 50 MB at one space per level; 2,000 (2 MB) is well past
    // PyYAML's limit (~491) and keeps the test fast. The frontmatter cap is raised for it.
    t.write(
        "config/runtime.yaml",
        format!("{RUNTIME_YAML}  scan:\n    max_frontmatter_bytes: 8000000\n"),
    );
    let cases = [
        ("flow-seq", format!("x: {}\n", flow_seq(DEEP))),
        ("flow-map", format!("x: {}\n", flow_map(DEEP))),
        ("block-seq", format!("x:\n{}\n", block_seq(DEEP))),
        ("block-map", format!("x:\n{}", block_map(2_000, 1))),
    ];
    for (kind, yaml) in &cases {
        t.write(
            format!("skills/{kind}/SKILL.md"),
            format!("---\nname: deep-{kind}\ndescription: d\n{yaml}---\nbody\n"),
        );
    }
    let start = Instant::now();
    let ws = check_paths(t.path(), vec![], Duration::from_secs(20));
    eprintln!("deep frontmatter: {:.2?}", start.elapsed());
    for (kind, _) in &cases {
        // PyYAML raises RecursionError, which the runtime's scan does not catch.
        assert_code(&ws, "SK112", format!("skills/{kind}/SKILL.md"));
        assert!(!indexed(&ws, &format!("deep-{kind}")));
    }
    assert!(indexed(&ws, "good"));
}

#[test]
fn deep_nesting_in_runtime_yaml() {
    let cases = [
        ("flow-seq", format!("skills: {}\n", flow_seq(DEEP))),
        ("flow-map", format!("skills: {}\n", flow_map(DEEP))),
        ("block-seq", format!("skills:\n{}\n", block_seq(DEEP))),
        // 10,000 levels of block mappings are 50 MB of indentation (~8 s in a debug build):
        // see `deep_block_mappings_10k_in_runtime_yaml`, run with `--ignored`.
        ("block-map", format!("skills:\n{}", block_map(3_000, 1))),
    ];
    for (kind, yaml) in cases {
        let t = workspace(&format!("deep-cfg-{kind}"));
        t.write("config/runtime.yaml", &yaml);
        drop(yaml);
        let start = Instant::now();
        let ws = check_paths(t.path(), vec![], Duration::from_secs(20));
        eprintln!("deep runtime.yaml {kind}: {:.2?}", start.elapsed());
        assert_code(&ws, "SK401", "config/runtime.yaml"); // config-yaml
    }
}

#[test]
#[ignore = "50 MB of YAML: ~8 s in a debug build, ~0.3 s in release"]
fn deep_block_mappings_10k_in_runtime_yaml() {
    let t = workspace("deep-cfg-10k");
    t.write(
        "config/runtime.yaml",
        format!("skills:\n{}", block_map(DEEP, 1)),
    );
    let ws = check_paths(t.path(), vec![], Duration::from_secs(120));
    assert_code(&ws, "SK401", "config/runtime.yaml");
}

// ---------------------------------------------------------------------------------------------
// Symlink loops
// ---------------------------------------------------------------------------------------------

#[test]
fn symlink_loops() {
    let t = workspace("loops");
    t.symlink("skills/loop", "."); // skills/loop -> skills
    t.symlink("skills/a/up", ".."); // skills/a/up -> skills
    t.symlink("skills/ping", "pong");
    t.symlink("skills/pong", "ping");
    t.symlink("skills/self/SKILL.md", "SKILL.md"); // points at itself
    t.symlink("skills/chain/SKILL.md", "../ping/SKILL.md");
    let self_link = t.path().join("skills/self/SKILL.md");
    let start = Instant::now();
    // Also pass the loops explicitly, as `skills-lsp --check <paths>` would.
    let ws = check_paths(
        t.path(),
        vec![t.path().join("skills"), self_link.clone()],
        Duration::from_secs(20),
    );
    eprintln!("symlink loops: {:.2?}", start.elapsed());
    assert!(indexed(&ws, "good"));
    // The runtime skips symlinked directories, and `Path.is_file()` is false for a looping
    // SKILL.md (ELOOP), so its scan says nothing about them; neither does the index.
    assert_eq!(ws.index.files.len(), 1, "{}", render(&ws));
    // Named explicitly, the looping SKILL.md cannot be read: reported as a scan crash.
    assert_code(&ws, "SK112", "skills/self/SKILL.md");
    assert!(
        ws.diagnostics
            .iter()
            .any(|d| d.path == self_link && d.message.contains("cannot read")),
        "{}",
        render(&ws)
    );

    // Without a config, SKILL.md files are discovered under the workspace instead.
    std::fs::remove_dir_all(t.path().join("config")).unwrap();
    let ws = check(t.path());
    assert!(ws.index.discovered_without_config);
    assert!(indexed(&ws, "good"));
    assert_no_code(&ws, "SK112");
}

// ---------------------------------------------------------------------------------------------
// Unreadable and special files
// ---------------------------------------------------------------------------------------------

/// Creates a FIFO with `mkfifo` (std has no binding); `false` if that is not possible.
fn mkfifo(path: &Path) -> bool {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn unreadable_and_special_files() {
    let t = workspace("special");
    // A directory named SKILL.md: walked as a directory, like the runtime does.
    t.write("skills/dir/SKILL.md/inner/SKILL.md", skill_md("inner"));
    // A dangling SKILL.md symlink: `is_file()` is false, so the runtime skips it.
    t.symlink("skills/dangling/SKILL.md", "missing/SKILL.md");
    // FIFOs: opening one for reading blocks until a writer appears, so nothing may open them.
    let fifos = [
        t.path().join("skills/fifo/SKILL.md"),
        t.path().join("notes/fifo.md"),
        t.path().join(".env"),
    ];
    let have_fifos = fifos.iter().all(|p| mkfifo(p));
    let mut paths = vec![
        t.path().join("skills/dangling/SKILL.md"),
        t.path().join("skills/dir"),
        t.path().join("notes"),
    ];
    if have_fifos {
        paths.extend(fifos[..2].iter().cloned());
    } else {
        eprintln!("mkfifo unavailable: FIFO cases skipped");
    }

    let start = Instant::now();
    let ws = check_paths(t.path(), paths, Duration::from_secs(20));
    eprintln!("special files: {:.2?}", start.elapsed());
    assert!(
        indexed(&ws, "good") && indexed(&ws, "inner"),
        "{}",
        render(&ws)
    );
    // Named explicitly, an unreadable SKILL.md is a scan crash (the runtime cannot read it).
    assert_code(&ws, "SK112", "skills/dangling/SKILL.md");
    if have_fifos {
        assert_code(&ws, "SK112", "skills/fifo/SKILL.md");
        // The runtime's walk skips the FIFO (`is_file()` is false): not indexed, no error.
        assert!(
            !ws.index
                .files
                .iter()
                .any(|f| f.path.ends_with("fifo/SKILL.md")),
            "{}",
            render(&ws)
        );
        // A FIFO given as `.env` and as config/runtime.yaml must not block either.
        let root = t.path().to_path_buf();
        let cfg = within(Duration::from_secs(10), "fifo .env", move || {
            config::load(&LoadOptions {
                workspace_root: root,
                cli_overlays: vec![],
                use_dotenv: true,
                env: HashMap::new(),
            })
        });
        assert!(cfg.loads, "{:?}", cfg.diagnostics);
        std::fs::remove_file(t.path().join("config/runtime.yaml")).unwrap();
        assert!(mkfifo(&t.path().join("config/runtime.yaml")));
        let ws = check(t.path());
        assert_code(&ws, "SK403", "config/runtime.yaml"); // not a readable file
    }

    // Permission denied: root (as in CI containers) reads everything, so chmod 000 only
    // makes files unreadable for other users; the check runs only where it takes effect.
    use std::os::unix::fs::PermissionsExt;
    let t = workspace("chmod");
    let locked = t.write("skills/locked/SKILL.md", skill_md("locked"));
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let locked_dir = t.path().join("skills/closed");
    t.write("skills/closed/x/SKILL.md", skill_md("closed"));
    std::fs::set_permissions(&locked_dir, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_ok() {
        eprintln!("running with permission overrides (root): chmod 000 cases skipped");
        return;
    }
    let ws = check(t.path());
    assert!(indexed(&ws, "good"));
    assert_code(&ws, "SK112", "skills/locked/SKILL.md");
    assert_code(&ws, "SK112", "skills/closed");
}

// ---------------------------------------------------------------------------------------------
// Non-UTF-8 contents and file names
// ---------------------------------------------------------------------------------------------

#[test]
fn non_utf8_contents() {
    let t = workspace("bytes");
    // In the frontmatter: the runtime's scan fails while decoding it.
    t.write(
        "skills/fm/SKILL.md",
        b"---\nname: fm\ndescription: caf\xe9\n---\nbody\n",
    );
    // In the body, past what the scan decodes: accepted, but injection fails.
    let mut body = skill_md("late").into_bytes();
    body.resize(20_000, b'x');
    body.extend_from_slice(b"\n\xff\xfe tail $[web].good\n");
    t.write("skills/late/SKILL.md", &body);
    // In the body, within the first decoded chunk: the scan fails too.
    t.write(
        "skills/early/SKILL.md",
        b"---\nname: early\ndescription: d\n---\nbody \xc3\x28 $[web].missing\n",
    );
    // A Markdown file passed explicitly: mentions are still found around the bad bytes.
    let notes = t.write(
        "notes.md",
        b"\xff\xfeSee $[web].nope and $[web].good.\n\xc0\n",
    );
    let ws = check_paths(t.path(), vec![notes], Duration::from_secs(20));
    assert_code(&ws, "SK112", "skills/fm/SKILL.md"); // scan-crash
    assert_code(&ws, "SK125", "skills/late/SKILL.md"); // body-not-utf8
    assert_code(&ws, "SK112", "skills/early/SKILL.md");
    assert_code(&ws, "SK301", "notes.md"); // unknown-skill `nope`
    assert!(indexed(&ws, "late") && indexed(&ws, "good"));

    // In runtime.yaml: the config loader crashes on it.
    t.write(
        "config/runtime.yaml",
        [RUNTIME_YAML.as_bytes(), b"# caf\xe9\n"].concat(),
    );
    let ws = check(t.path());
    assert_code(&ws, "SK401", "config/runtime.yaml"); // config-yaml
    assert!(!ws.config.loads);
}

#[test]
fn non_utf8_file_names() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let t = workspace("names");
    let bad_dir = OsStr::from_bytes(b"caf\xe9-\xff");
    let skill = t.path().join("skills").join(bad_dir).join("SKILL.md");
    std::fs::create_dir_all(skill.parent().unwrap()).unwrap();
    // A valid skill in a non-UTF-8 directory, with a broken link and an unknown mention.
    std::fs::write(
        &skill,
        "---\nname: odd-dir\ndescription: d\n---\nSee [x](./gone.md) and $[web].unknown\n",
    )
    .unwrap();
    // A rejected one, so there is a frontmatter finding on a non-UTF-8 path.
    let rejected = t.path().join("skills").join(bad_dir).join("sub/SKILL.md");
    std::fs::create_dir_all(rejected.parent().unwrap()).unwrap();
    std::fs::write(&rejected, "---\nname: odd-sub\n---\n").unwrap();
    // A non-UTF-8 Markdown file name, in a directory passed on the command line and directly.
    let md = t
        .path()
        .join("docs")
        .join(OsStr::from_bytes(b"n\xf6tes.md"));
    std::fs::create_dir_all(md.parent().unwrap()).unwrap();
    std::fs::write(&md, "Use $[web].nothing here.\n").unwrap();
    let ws = check_paths(
        t.path(),
        vec![t.path().join("docs"), md.clone()],
        Duration::from_secs(20),
    );
    assert!(
        indexed(&ws, "odd-dir") && indexed(&ws, "good"),
        "{}",
        render(&ws)
    );
    let on = |code: &str, path: &Path| {
        ws.diagnostics
            .iter()
            .any(|d| d.code() == code && d.path == path)
    };
    assert!(on("SK204", &skill), "{}", render(&ws)); // broken-link
    assert!(on("SK301", &skill), "{}", render(&ws)); // unknown-skill
    assert!(on("SK110", &rejected), "{}", render(&ws)); // description-missing
    assert!(on("SK301", &md), "{}", render(&ws));
    assert_eq!(
        ws.extra_files.iter().filter(|f| f.path == md).count(),
        1,
        "the file is checked once"
    );
    // Rendering paths for messages must not fail either.
    for d in &ws.diagnostics {
        let _ = format!("{}: {}", d.path.display(), d.message);
    }
}
