//! The run's write-ahead log (spec §6.1): `<ws>/.skills_runtime_sdk/runs/<run_id>/events.jsonl`,
//! one event per line exactly as the reference writes it (Python `json.dumps(...,
//! ensure_ascii=False)`), append-only.
//!
//! Durability: each line goes to the file in one `write` (no user-space buffer, so a crash loses
//! at most the line being written); terminal events are followed by `fsync`. Appends take an
//! exclusive `flock` on `events.jsonl.lock`, as the reference does, so two writers sharing a run
//! directory never interleave lines.
//!
//! Reading is tolerant: blank, non-JSON and non-object lines are skipped and counted, and a last
//! line without its newline (a writer killed mid-line) is reported as torn, never as an error.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::agent::events::Event;

/// `<workspace>/.skills_runtime_sdk/runs/<run_id>`.
pub fn run_dir(workspace_root: &Path, run_id: &str) -> PathBuf {
    workspace_root
        .join(".skills_runtime_sdk")
        .join("runs")
        .join(run_id)
}

/// `<run_dir>/events.jsonl`.
pub fn events_path(workspace_root: &Path, run_id: &str) -> PathBuf {
    run_dir(workspace_root, run_id).join("events.jsonl")
}

/// Serializes an event as one WAL line (without the newline).
pub fn encode_line(event: &Event) -> String {
    crate::agent::json::to_python_json(&event.to_value())
}

/// Appends events to one `events.jsonl`.
#[derive(Debug)]
pub struct WalWriter {
    path: PathBuf,
    file: File,
    lock: File,
    next_index: u64,
    line: String,
}

impl WalWriter {
    /// Opens (creating the directories and the file if needed) the WAL at `path`, positioned
    /// after the lines already in it.
    pub fn open(path: &Path) -> io::Result<WalWriter> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut lock_name = path.file_name().unwrap_or_default().to_os_string();
        lock_name.push(".lock");
        let lock = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path.with_file_name(lock_name))?;
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)?;
        let next_index = count_nonblank_lines(path)?;
        Ok(WalWriter {
            path: path.to_path_buf(),
            file,
            lock,
            next_index,
            line: String::with_capacity(1024),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one event and returns its 0-based line index. Terminal events are fsynced.
    pub fn append(&mut self, event: &Event) -> io::Result<u64> {
        self.line.clear();
        self.line.push_str(&encode_line(event));
        self.line.push('\n');
        let _guard = FileLock::exclusive(&self.lock);
        self.file.write_all(self.line.as_bytes())?;
        if event.is_terminal() {
            self.file.sync_all()?;
        }
        let index = self.next_index;
        self.next_index += 1;
        Ok(index)
    }

    /// Forces everything written so far to disk.
    pub fn sync(&mut self) -> io::Result<()> {
        self.file.sync_all()
    }
}

/// An exclusive advisory lock held for the guard's lifetime (best effort: if locking fails the
/// append still happens, as on platforms without `flock` upstream).
struct FileLock<'a> {
    #[cfg_attr(not(unix), allow(dead_code))]
    file: &'a File,
    #[cfg_attr(not(unix), allow(dead_code))]
    locked: bool,
}

impl<'a> FileLock<'a> {
    fn exclusive(file: &'a File) -> FileLock<'a> {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: flock on a descriptor we own for the duration of the borrow.
            let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0;
            FileLock { file, locked }
        }
        #[cfg(not(unix))]
        {
            FileLock {
                file,
                locked: false,
            }
        }
    }
}

impl Drop for FileLock<'_> {
    fn drop(&mut self) {
        #[cfg(unix)]
        if self.locked {
            use std::os::fd::AsRawFd;
            // SAFETY: see `exclusive`.
            unsafe {
                libc::flock(self.file.as_raw_fd(), libc::LOCK_UN);
            }
        }
    }
}

fn count_nonblank_lines(path: &Path) -> io::Result<u64> {
    let mut bytes = Vec::new();
    match File::open(path) {
        Ok(mut f) => {
            f.read_to_end(&mut bytes)?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    }
    Ok(bytes
        .split(|&b| b == b'\n')
        .filter(|l| l.iter().any(|b| !b.is_ascii_whitespace()))
        .count() as u64)
}

/// What a WAL file holds, read tolerantly.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct WalContents {
    pub events: Vec<Event>,
    /// Complete lines that are not readable events (invalid JSON, not an object, bad envelope).
    pub skipped_lines: usize,
    /// The file ends with an unterminated line that does not parse: a writer stopped mid-line.
    pub torn_tail: bool,
}

/// Reads every event of `path` (only those of `run_id` when given). A missing file reads as
/// empty.
pub fn read_events(path: &Path, run_id: Option<&str>) -> io::Result<WalContents> {
    let mut bytes = Vec::new();
    match File::open(path) {
        Ok(mut f) => {
            f.read_to_end(&mut bytes)?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(WalContents::default()),
        Err(e) => return Err(e),
    }
    Ok(parse_events(&bytes, run_id))
}

/// Parses WAL bytes (see [`read_events`]).
pub fn parse_events(bytes: &[u8], run_id: Option<&str>) -> WalContents {
    let mut out = WalContents::default();
    let ends_with_newline = bytes.last() == Some(&b'\n');
    let lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    let last = lines.len().saturating_sub(1);
    for (i, line) in lines.into_iter().enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let unterminated = i == last && !ends_with_newline;
        match parse_line(line) {
            Some(ev) => {
                if run_id.is_none_or(|r| ev.run_id == r) {
                    out.events.push(ev);
                }
            }
            None if unterminated => out.torn_tail = true,
            None => out.skipped_lines += 1,
        }
    }
    out
}

fn parse_line(line: &[u8]) -> Option<Event> {
    let v: Value = serde_json::from_slice(line).ok()?;
    Event::from_value(&v)
}

/// Follows a WAL as it grows: each [`poll`](Self::poll) returns the events on the complete lines
/// appended since the last one. A partial last line is left for the next poll, which is what a
/// consumer tailing a live run needs (spec §7: only `\n`-terminated lines are sent).
#[derive(Debug)]
pub struct WalTail {
    path: PathBuf,
    offset: u64,
    run_id: Option<String>,
}

impl WalTail {
    /// Starts at byte `offset` (0: the beginning; a previous [`offset`](Self::offset) resumes).
    pub fn new(path: &Path, offset: u64, run_id: Option<&str>) -> WalTail {
        WalTail {
            path: path.to_path_buf(),
            offset,
            run_id: run_id.map(str::to_owned),
        }
    }

    /// Byte offset just after the last complete line read.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    pub fn poll(&mut self) -> io::Result<Vec<Event>> {
        let mut f = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        f.seek(SeekFrom::Start(self.offset))?;
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes)?;
        let Some(end) = bytes.iter().rposition(|&b| b == b'\n') else {
            return Ok(Vec::new());
        };
        self.offset += end as u64 + 1;
        Ok(parse_events(&bytes[..=end], self.run_id.as_deref()).events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, json};

    fn event(kind: &str, run: &str) -> Event {
        let mut p = Map::new();
        p.insert("text".into(), json!("é \"q\"\n"));
        let mut e = Event::new(kind, run, p);
        e.timestamp = "2026-01-02T03:04:05Z".into();
        e
    }

    fn tempdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "skills-wal-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn lines_are_written_as_python_json_dumps() {
        let d = tempdir("format");
        let path = d.join("runs/r1/events.jsonl");
        let mut w = WalWriter::open(&path).unwrap();
        assert_eq!(w.append(&event("run_started", "r1")).unwrap(), 0);
        assert_eq!(
            w.append(&event("run_completed", "r1").with_turn(Some("turn_1")))
                .unwrap(),
            1
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.lines().next().unwrap(),
            r#"{"type": "run_started", "timestamp": "2026-01-02T03:04:05Z", "run_id": "r1", "payload": {"text": "é \"q\"\n"}}"#
        );
        assert!(path.with_file_name("events.jsonl.lock").exists());
        // Reopening continues the line numbering.
        let mut w = WalWriter::open(&path).unwrap();
        assert_eq!(w.append(&event("x", "r1")).unwrap(), 2);
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn reader_skips_bad_lines_filters_by_run_and_reports_a_torn_tail() {
        let good = encode_line(&event("a", "r1"));
        let other = encode_line(&event("b", "r2"));
        let text = format!(
            "{good}\n\nnot json\n[1,2]\n{{\"type\":1}}\n{other}\n{}",
            &good[..good.len() / 2]
        );
        let c = parse_events(text.as_bytes(), Some("r1"));
        assert_eq!(c.events.len(), 1);
        assert_eq!(c.skipped_lines, 3);
        assert!(c.torn_tail);
        let all = parse_events(text.as_bytes(), None);
        assert_eq!(all.events.len(), 2);
        // A complete last line without its newline still counts.
        let c = parse_events(good.as_bytes(), None);
        assert_eq!((c.events.len(), c.torn_tail), (1, false));
    }

    #[test]
    fn tail_returns_only_complete_lines_and_resumes() {
        let d = tempdir("tail");
        let path = d.join("events.jsonl");
        let line = encode_line(&event("a", "r1"));
        std::fs::write(&path, format!("{line}\n{}", &line[..10])).unwrap();
        let mut tail = WalTail::new(&path, 0, None);
        assert_eq!(tail.poll().unwrap().len(), 1);
        assert_eq!(tail.poll().unwrap().len(), 0);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(format!("{}\n{line}\n", &line[10..]).as_bytes())
            .unwrap();
        assert_eq!(tail.poll().unwrap().len(), 2);
        assert_eq!(tail.offset(), std::fs::metadata(&path).unwrap().len());
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn missing_file_reads_as_empty() {
        let c = read_events(Path::new("/nonexistent/skills/events.jsonl"), None).unwrap();
        assert_eq!(c, WalContents::default());
    }
}
