//! `--format human`: `path:line:col: severity[CODE] message`, a source excerpt with carets
//! under the range, `help:` and `see:` (related location) lines, and a summary. Colour only on a
//! terminal.

use std::collections::HashMap;
use std::io::IsTerminal;

use skills_runtime::diagnostic::{Diagnostic, Severity};
use skills_runtime::text::LineIndex;

use super::Report;

pub fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn severity(&self, s: Severity, text: &str) -> String {
        self.paint(
            match s {
                Severity::Error => "1;31",
                Severity::Warning => "1;33",
                Severity::Info => "1;36",
            },
            text,
        )
    }
}

/// Terminal columns a character occupies (wide East Asian characters and emoji take two).
fn char_width(c: char) -> usize {
    let u = c as u32;
    let wide = matches!(u,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x1F300..=0x1F64F | 0x1F900..=0x1F9FF | 0x20000..=0x3FFFD);
    if wide {
        2
    } else if c.is_control() {
        0
    } else {
        1
    }
}

fn width(s: &str) -> usize {
    s.chars()
        .map(|c| if c == '\t' { 4 } else { char_width(c) })
        .sum()
}

struct Source {
    text: Vec<u8>,
    lines: LineIndex,
}

/// Source lines up to this many columns are shown whole.
const SHOWN_WHOLE: usize = 120;
/// Longest piece of a longer line shown before, inside and after the marked range (columns).
const CONTEXT_BEFORE: usize = 40;
const MARKED_MAX: usize = 80;
const CONTEXT_AFTER: usize = 40;

fn untab(s: &str) -> String {
    s.replace('\t', "    ")
}

/// The last `max` columns of `s`, with `…` in front when cut.
fn tail(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut cols = 0;
    let mut from = s.len();
    for (i, c) in s.char_indices().rev() {
        cols += char_width(c);
        if cols > max.saturating_sub(1) {
            break;
        }
        from = i;
    }
    format!("…{}", &s[from..])
}

/// The first `max` columns of `s`, with `…` after when cut.
fn head(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut cols = 0;
    let mut to = 0;
    for (i, c) in s.char_indices() {
        cols += char_width(c);
        if cols > max.saturating_sub(1) {
            break;
        }
        to = i + c.len_utf8();
    }
    format!("{}…", &s[..to])
}

fn excerpt(d: &Diagnostic, src: &Source, style: &Style, out: &mut String) {
    let line = d.range.start.line as usize;
    if line >= src.lines.line_count() || src.text.is_empty() {
        return;
    }
    let content = src.lines.line_content(&src.text, line);
    let start = d.range.bytes.start.clamp(content.start, content.end);
    let end = if d.range.end.line == d.range.start.line {
        d.range.bytes.end.clamp(start, content.end)
    } else {
        content.end
    };
    let part = |a: usize, b: usize| untab(&String::from_utf8_lossy(&src.text[a..b]));
    let (mut prefix, mut marked, mut suffix) = (
        part(content.start, start),
        part(start, end),
        part(end, content.end),
    );
    // Lines that fit a terminal are shown whole; longer ones as a window around the range.
    if width(&prefix) + width(&marked) + width(&suffix) > SHOWN_WHOLE {
        prefix = tail(&prefix, CONTEXT_BEFORE);
        marked = head(&marked, MARKED_MAX);
        suffix = if width(&marked) >= MARKED_MAX {
            String::new()
        } else {
            head(&suffix, CONTEXT_AFTER)
        };
    }
    let num = (line + 1).to_string();
    let pad = " ".repeat(num.len());
    let bar = style.paint("1;34", "|");
    out.push_str(&format!(
        "{pad} {bar}\n{} {bar} {prefix}{marked}{suffix}\n",
        style.paint("1;34", &num)
    ));
    let carets = "^".repeat(width(&marked).max(1));
    out.push_str(&format!(
        "{pad} {bar} {}{}\n",
        " ".repeat(width(&prefix)),
        style.severity(d.severity, &carets)
    ));
}

pub fn render(report: &Report, color: bool) -> String {
    let style = Style { on: color };
    let mut sources: HashMap<&std::path::Path, Option<Source>> = HashMap::new();
    let mut out = String::new();
    for d in &report.diagnostics {
        let path = report.display_path(&d.path);
        out.push_str(&format!(
            "{}:{}:{}: {} {}\n",
            style.paint("1", &path),
            d.range.start.line + 1,
            d.range.start.utf16 + 1,
            style.severity(
                d.severity,
                &format!("{}[{}]", d.severity.as_str(), d.rule.code)
            ),
            d.message
        ));
        let src = sources.entry(d.path.as_path()).or_insert_with(|| {
            std::fs::read(&d.path)
                .ok()
                .filter(|t| t.len() < 64 << 20)
                .map(|text| Source {
                    lines: LineIndex::new(&text),
                    text,
                })
        });
        if let Some(src) = src {
            excerpt(d, src, &style, &mut out);
        }
        let eq = style.paint("1;34", "=");
        if let Some(h) = &d.help {
            out.push_str(&format!("  {eq} {} {h}\n", style.paint("1", "help:")));
        }
        for r in &d.related {
            out.push_str(&format!(
                "  {eq} {} {}:{}:{}: {}\n",
                style.paint("1", "see:"),
                report.display_path(&r.path),
                r.range.start.line + 1,
                r.range.start.utf16 + 1,
                r.message
            ));
        }
        out.push('\n');
    }
    let (e, w, i) = (
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Info),
    );
    let scope = format!(
        "{} file{}, {} skill{}",
        report.files,
        if report.files == 1 { "" } else { "s" },
        report.skills,
        if report.skills == 1 { "" } else { "s" }
    );
    if e + w + i == 0 {
        out.push_str(&format!(
            "{} ({scope})\n",
            style.paint("1;32", "All checks passed")
        ));
    } else {
        let parts: Vec<String> = [
            (e, Severity::Error, "error"),
            (w, Severity::Warning, "warning"),
            (i, Severity::Info, "info"),
        ]
        .into_iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, s, word)| {
            style.severity(s, &format!("{n} {word}{}", if n == 1 { "" } else { "s" }))
        })
        .collect();
        out.push_str(&format!(
            "Found {} ({scope}). Run `skills-lsp --explain CODE` for details.\n",
            parts.join(", ")
        ));
    }
    out
}
