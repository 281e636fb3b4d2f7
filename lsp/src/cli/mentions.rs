//! `skills-lsp mentions [FILE|-]`: the mentions the runtime extracts, as JSON lines.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;
use skills_runtime::mentions;
use skills_runtime::text::LineIndex;

pub fn run(paths: &[PathBuf]) -> Result<ExitCode, String> {
    if paths.len() > 1 {
        return Err("mentions takes one FILE (or - for standard input)".into());
    }
    let text = match paths.first().filter(|p| p.as_os_str() != "-") {
        Some(p) => std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?,
        None => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            buf
        }
    };
    let lines = LineIndex::new(&text);
    let mut out = std::io::stdout().lock();
    for m in mentions::extract(&text) {
        let r = lines.source_range(&text, m.range);
        let v = json!({
            "namespace": m.namespace,
            "skill_name": m.skill_name,
            "text": m.text(),
            "range": {"start": {"line": r.start.line, "character": r.start.utf16}, "end": {"line": r.end.line, "character": r.end.utf16}},
        });
        if writeln!(out, "{v}").is_err() {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}
