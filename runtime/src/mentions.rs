//! Skill mentions `$[namespace].skill_name`, extracted exactly as the reference runtime's
//! `extract_skill_mentions` does (spec §2.1–2.3), plus near-miss detection the runtime lacks.
//!
//! The reference uses a regex with leftmost-first semantics; because every character class in
//! it excludes the delimiters that follow, that regex has exactly one way to match at a given
//! `$[`, which this hand-written matcher reproduces without backtracking.

use crate::text::{TextRange, python_strip};

/// Longest segment or skill name the grammar allows.
pub const MAX_TOKEN_LEN: usize = 64;
/// Most `:`-separated segments a namespace may have.
pub const MAX_SEGMENTS: usize = 7;

/// One mention the runtime would extract.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mention {
    pub namespace: String,
    pub skill_name: String,
    /// Byte range of the exact matched text (`mention_text` upstream).
    pub range: TextRange,
    /// Byte range of the namespace inside the brackets.
    pub namespace_range: TextRange,
    /// Byte range of the skill name after `].`.
    pub name_range: TextRange,
}

impl Mention {
    pub fn text(&self) -> String {
        format_mention(&self.namespace, &self.skill_name)
    }
}

pub fn format_mention(namespace: &str, skill_name: &str) -> String {
    format!("$[{namespace}].{skill_name}")
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}
fn is_segment_char(b: u8) -> bool {
    is_alnum(b) || b == b'-'
}
fn is_name_char(b: u8) -> bool {
    is_alnum(b) || b == b'-' || b == b'_'
}

/// Outcome of trying the mention pattern at one `$[`.
struct RawMatch {
    namespace_range: TextRange,
    name_range: TextRange,
}

/// Tries the reference regex anchored at `start` (which holds `$[`).
fn match_at(text: &[u8], start: usize) -> Option<RawMatch> {
    let ns_start = start + 2;
    let mut j = ns_start;
    let mut segments = 0;
    loop {
        let seg_start = j;
        while j < text.len() && is_segment_char(text[j]) {
            j += 1;
        }
        if !valid_segment(&text[seg_start..j]) {
            return None;
        }
        segments += 1;
        match text.get(j) {
            Some(b':') if segments < MAX_SEGMENTS => j += 1,
            Some(b']') => break,
            _ => return None,
        }
    }
    let ns_end = j;
    if text.get(j + 1) != Some(&b'.') {
        return None;
    }
    let name_start = j + 2;
    let name_len = longest_name_prefix(&text[name_start..])?;
    Some(RawMatch {
        namespace_range: TextRange::new(ns_start, ns_end),
        name_range: TextRange::new(name_start, name_start + name_len),
    })
}

fn valid_segment(seg: &[u8]) -> bool {
    (2..=MAX_TOKEN_LEN).contains(&seg.len())
        && is_alnum(seg[0])
        && is_alnum(seg[seg.len() - 1])
        && seg.iter().all(|&b| is_segment_char(b))
}

/// Length of the longest prefix of `s` that the name rule accepts (greedy, ≤ 64, alnum at both
/// ends), i.e. what the regex's greedy repetition settles on.
fn longest_name_prefix(s: &[u8]) -> Option<usize> {
    if !s.first().is_some_and(|&b| is_alnum(b)) {
        return None;
    }
    let run = s
        .iter()
        .take(MAX_TOKEN_LEN)
        .take_while(|&&b| is_name_char(b))
        .count();
    (2..=run).rev().find(|&len| is_alnum(s[len - 1]))
}

/// Every `$[` candidate position, with what the reference regex does there.
fn scan(text: &[u8], mut on_match: impl FnMut(usize, Option<(RawMatch, bool)>)) {
    let mut i = 0;
    while let Some(found) = memchr::memmem::find(&text[i..], b"$[") {
        let start = i + found;
        match match_at(text, start) {
            Some(m) => {
                let end = m.name_range.end;
                let dropped = text.get(end) == Some(&b']');
                on_match(start, Some((m, dropped)));
                i = end;
            }
            None => {
                on_match(start, None);
                i = start + 1;
            }
        }
    }
}

/// The mentions the runtime extracts from `text`, first occurrence of each
/// `(namespace, skill_name)` kept, in order of appearance.
pub fn extract(text: &[u8]) -> Vec<Mention> {
    let mut out: Vec<Mention> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    scan(text, |start, m| {
        let Some((m, false)) = m else { return };
        let namespace = ascii(text, m.namespace_range);
        let skill_name = ascii(text, m.name_range);
        if seen.insert((namespace.clone(), skill_name.clone())) {
            out.push(Mention {
                namespace,
                skill_name,
                range: TextRange::new(start, m.name_range.end),
                namespace_range: m.namespace_range,
                name_range: m.name_range,
            });
        }
    });
    out
}

/// Every mention occurrence (no de-duplication): what navigation and rename need.
pub fn occurrences(text: &[u8]) -> Vec<Mention> {
    let mut out = Vec::new();
    scan(text, |start, m| {
        let Some((m, false)) = m else { return };
        out.push(Mention {
            namespace: ascii(text, m.namespace_range),
            skill_name: ascii(text, m.name_range),
            range: TextRange::new(start, m.name_range.end),
            namespace_range: m.namespace_range,
            name_range: m.name_range,
        });
    });
    out
}

fn ascii(text: &[u8], r: TextRange) -> String {
    // The grammar only admits ASCII, so this never replaces anything.
    String::from_utf8_lossy(&text[r.start..r.end]).into_owned()
}

/// Strict single-token validation of a tool argument (`skill_mention`), spec §2.3:
/// valid iff the stripped value extracts to exactly one mention spanning all of it.
pub fn parse_single(value: &str) -> Option<Mention> {
    let s = python_strip(value);
    let mut ms = extract(s.as_bytes());
    if ms.len() == 1 && ms[0].range == TextRange::new(0, s.len()) {
        ms.pop()
    } else {
        None
    }
}

/// `^[a-z0-9][a-z0-9_-]{0,62}[a-z0-9]$` — the skill-name slug rule (§1.5).
pub fn is_valid_skill_name(name: &str) -> bool {
    let b = name.as_bytes();
    (2..=MAX_TOKEN_LEN).contains(&b.len())
        && is_alnum(b[0])
        && is_alnum(b[b.len() - 1])
        && b.iter().all(|&c| is_name_char(c))
}

/// The namespace rule: 1..7 `:`-separated segments, each `^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])$`.
pub fn is_valid_namespace(ns: &str) -> bool {
    let segs: Vec<&str> = ns.split(':').collect();
    segs.len() <= MAX_SEGMENTS && segs.iter().all(|s| valid_segment(s.as_bytes()))
}

/// Why text that looks like a mention is ignored or read differently by the runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NearMissKind {
    /// `$ [ns].name`: whitespace between `$` and `[`.
    SpaceAfterDollar,
    /// `$[ns] .name` / `$[ns]. name`: whitespace around the dot.
    SpaceAroundDot,
    /// Uppercase letters in the namespace.
    UppercaseNamespace,
    /// Characters other than `a-z0-9-` in a segment (e.g. `_`), or a segment starting/ending in `-`.
    BadSegmentChar,
    /// A one-character (or empty) namespace segment.
    ShortSegment,
    /// A segment over 64 characters.
    LongSegment,
    /// More than 7 segments.
    TooManySegments,
    /// A one-character skill name.
    ShortName,
    /// Name does not start with `a-z0-9`.
    BadNameStart,
    /// Uppercase letters in the name: the runtime stops the name before the first one.
    UppercaseName,
    /// Name ends in `-` or `_`: the runtime drops the trailing punctuation.
    TrailingPunctuation,
    /// Name longer than 64 characters: the runtime keeps only the first 64.
    LongName,
    /// Directly followed by `]`: the runtime drops the whole mention.
    StrayBracket,
}

impl NearMissKind {
    pub fn describe(self) -> &'static str {
        match self {
            Self::SpaceAfterDollar => "whitespace between `$` and `[`",
            Self::SpaceAroundDot => "whitespace around the `.` after `]`",
            Self::UppercaseNamespace => "uppercase letters in the namespace",
            Self::BadSegmentChar => {
                "a namespace segment with characters other than `a-z`, `0-9` and inner `-`"
            }
            Self::ShortSegment => "a namespace segment shorter than 2 characters",
            Self::LongSegment => "a namespace segment longer than 64 characters",
            Self::TooManySegments => "more than 7 namespace segments",
            Self::ShortName => "a skill name shorter than 2 characters",
            Self::BadNameStart => "a skill name that does not start with `a-z` or `0-9`",
            Self::UppercaseName => "uppercase letters in the skill name",
            Self::TrailingPunctuation => "a skill name ending in `-` or `_`",
            Self::LongName => "a skill name longer than 64 characters",
            Self::StrayBracket => "a `]` right after the skill name",
        }
    }
}

/// Text that looks like a mention but that the runtime ignores or reads differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearMiss {
    /// The whole mention-like text.
    pub range: TextRange,
    pub kind: NearMissKind,
    /// What the runtime extracts from this spot instead, if anything.
    pub extracted: Option<Mention>,
    /// A corrected mention, when one can be derived and is valid.
    pub suggestion: Option<String>,
}

/// Longest bracket content considered when looking for near-misses.
const NEAR_MISS_MAX_NS: usize = 8 * (MAX_TOKEN_LEN + 1) + 32;

/// Finds mention-like text the runtime will silently ignore or truncate.
///
/// `$[ns]\.name` is the documented, unambiguous escape and is never reported; `$ [` and `] .` are
/// documented escapes too, but are also the commonest typos, so they are reported.
pub fn near_misses(text: &[u8]) -> Vec<NearMiss> {
    let mut strict: std::collections::HashMap<usize, (RawMatch, bool)> = Default::default();
    scan(text, |start, m| {
        if let Some(m) = m {
            strict.insert(start, m);
        }
    });
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(found) = memchr::memchr(b'$', &text[i..]) {
        let start = i + found;
        i = start + 1;
        let Some(c) = lenient_candidate(text, start) else {
            continue;
        };
        let strict_here = strict.remove(&start);
        if let Some(miss) = classify(text, start, &c, strict_here) {
            i = miss.range.end.max(i);
            out.push(miss);
        }
    }
    out
}

/// A loosely parsed `$ [ns] . name` shape.
struct Candidate {
    open: usize,
    ns: TextRange,
    close: usize,
    name: TextRange,
}

fn lenient_candidate(text: &[u8], dollar: usize) -> Option<Candidate> {
    let skip_blank = |mut k: usize| {
        while k < text.len() && matches!(text[k], b' ' | b'\t') {
            k += 1;
        }
        k
    };
    let open = skip_blank(dollar + 1);
    if text.get(open) != Some(&b'[') {
        return None;
    }
    let ns_start = open + 1;
    let mut k = ns_start;
    while k < text.len()
        && k - ns_start <= NEAR_MISS_MAX_NS
        && (text[k].is_ascii_alphanumeric() || matches!(text[k], b'-' | b'_' | b':'))
    {
        k += 1;
    }
    if k == ns_start || text.get(k) != Some(&b']') {
        return None;
    }
    let close = k;
    let mut d = skip_blank(close + 1);
    if text.get(d) != Some(&b'.') {
        return None;
    }
    d = skip_blank(d + 1);
    let name_start = d;
    while d < text.len() && (text[d].is_ascii_alphanumeric() || matches!(text[d], b'-' | b'_')) {
        d += 1;
    }
    if d == name_start {
        return None;
    }
    Some(Candidate {
        open,
        ns: TextRange::new(ns_start, close),
        close,
        name: TextRange::new(name_start, d),
    })
}

fn classify(
    text: &[u8],
    dollar: usize,
    c: &Candidate,
    strict: Option<(RawMatch, bool)>,
) -> Option<NearMiss> {
    let ns = &text[c.ns.start..c.ns.end];
    let name = &text[c.name.start..c.name.end];
    let mut full_end = c.name.end;
    let stray = text.get(c.name.end) == Some(&b']');
    let kind = if c.open != dollar + 1 {
        NearMissKind::SpaceAfterDollar
    } else if c.ns.end != c.close || c.close + 2 != c.name.start || text[c.close + 1] != b'.' {
        NearMissKind::SpaceAroundDot
    } else if let Some(k) = namespace_problem(ns) {
        k
    } else if name.len() < 2 {
        NearMissKind::ShortName
    } else if name.iter().any(u8::is_ascii_uppercase) {
        NearMissKind::UppercaseName
    } else if !is_alnum(name[0]) {
        NearMissKind::BadNameStart
    } else if name.len() > MAX_TOKEN_LEN {
        NearMissKind::LongName
    } else if matches!(name[name.len() - 1], b'-' | b'_') {
        NearMissKind::TrailingPunctuation
    } else if stray {
        full_end += 1;
        NearMissKind::StrayBracket
    } else {
        // The strict matcher reads exactly this token: nothing to report.
        debug_assert!(
            strict
                .as_ref()
                .is_some_and(|(m, d)| !d && m.name_range == c.name)
        );
        return None;
    };
    let extracted = match strict {
        Some((m, false)) => Some(Mention {
            namespace: ascii(text, m.namespace_range),
            skill_name: ascii(text, m.name_range),
            range: TextRange::new(dollar, m.name_range.end),
            namespace_range: m.namespace_range,
            name_range: m.name_range,
        }),
        _ => None,
    };
    let suggestion = suggest(ns, name);
    Some(NearMiss {
        range: TextRange::new(dollar, full_end),
        kind,
        extracted,
        suggestion,
    })
}

fn namespace_problem(ns: &[u8]) -> Option<NearMissKind> {
    if ns.iter().any(u8::is_ascii_uppercase) {
        return Some(NearMissKind::UppercaseNamespace);
    }
    let segs: Vec<&[u8]> = ns.split(|&b| b == b':').collect();
    for seg in &segs {
        if seg.len() < 2 {
            return Some(NearMissKind::ShortSegment);
        }
        if seg.len() > MAX_TOKEN_LEN {
            return Some(NearMissKind::LongSegment);
        }
        if !valid_segment(seg) {
            return Some(NearMissKind::BadSegmentChar);
        }
    }
    (segs.len() > MAX_SEGMENTS).then_some(NearMissKind::TooManySegments)
}

/// A best-effort corrected mention: lowercase, `_` → `-` in segments, trailing punctuation
/// trimmed. Returned only when the result is a valid full token.
fn suggest(ns: &[u8], name: &[u8]) -> Option<String> {
    let ns = String::from_utf8_lossy(ns)
        .to_ascii_lowercase()
        .replace('_', "-");
    let ns: Vec<&str> = ns.split(':').map(|s| s.trim_matches('-')).collect();
    let ns = ns.join(":");
    let name = String::from_utf8_lossy(name).to_ascii_lowercase();
    let name = name.trim_matches(|c| c == '-' || c == '_');
    let fixed = format_mention(&ns, name);
    parse_single(&fixed).is_some().then_some(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        extract(text.as_bytes())
            .into_iter()
            .map(|m| (m.namespace, m.skill_name))
            .collect()
    }

    #[test]
    fn spec_examples() {
        assert_eq!(pairs("$[web].pyThon"), [("web".into(), "py".into())]);
        assert!(pairs("$[web].ab]").is_empty());
        assert_eq!(pairs("$[web].ab_]"), [("web".into(), "ab".into())]);
        assert_eq!(pairs("$[web].$[web].ab"), [("web".into(), "ab".into())]);
        assert!(pairs("use $[a0:b1:c2:d3:e4:f5:g6:h7].article_writer").is_empty());
        assert_eq!(pairs("use $[a0:b1:c2:d3:e4:f5:g6].aw").len(), 1);
        let long = format!("$[web].a{}", "b".repeat(64));
        assert_eq!(pairs(&long)[0].1.len(), 64);
        assert_eq!(pairs("$[web].x1 $[web:mvp].x1 $[web].x1").len(), 2);
    }

    #[test]
    fn strict_single_token() {
        assert!(parse_single("  $[web].ab\n").is_some());
        assert!(parse_single("\u{3000}$[web].ab").is_some());
        assert!(parse_single("$[web].ab]").is_none());
        assert!(parse_single("$[web].ab-").is_none());
        assert!(parse_single("`$[web].ab`").is_none());
        assert!(parse_single("$[web].ab $[web].ab").is_none());
        assert!(parse_single("please use $[alice:engineering].python_testing").is_none());
    }

    #[test]
    fn near_miss_kinds() {
        let kinds = |t: &str| {
            near_misses(t.as_bytes())
                .into_iter()
                .map(|n| n.kind)
                .collect::<Vec<_>>()
        };
        assert_eq!(kinds("$ [web].ab"), [NearMissKind::SpaceAfterDollar]);
        assert_eq!(kinds("$[web] .ab"), [NearMissKind::SpaceAroundDot]);
        assert_eq!(kinds("$[Web].ab"), [NearMissKind::UppercaseNamespace]);
        assert_eq!(kinds("$[a:bb].ab"), [NearMissKind::ShortSegment]);
        assert_eq!(kinds("$[web].a"), [NearMissKind::ShortName]);
        assert_eq!(kinds("$[web].pyThon"), [NearMissKind::UppercaseName]);
        assert_eq!(kinds("$[web].ab- x"), [NearMissKind::TrailingPunctuation]);
        assert_eq!(kinds("[$[web].ab]"), [NearMissKind::StrayBracket]);
        assert_eq!(
            kinds("$[a:b:c:d:e:f:g:h].ab")[0],
            NearMissKind::ShortSegment
        );
        assert_eq!(
            kinds("$[aa:bb:cc:dd:ee:ff:gg:hh].ab"),
            [NearMissKind::TooManySegments]
        );
        assert_eq!(kinds("$[web_app].ab"), [NearMissKind::BadSegmentChar]);
        assert!(kinds("$[web]\\.ab $[web].ab. $[web].ab, $PATH $ [ -f x ]").is_empty());
        let m = &near_misses(b"$[web].pyThon")[0];
        assert_eq!(m.extracted.as_ref().unwrap().skill_name, "py");
        assert_eq!(m.suggestion.as_deref(), Some("$[web].python"));
    }
}
