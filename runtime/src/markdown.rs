//! The Markdown body of a skill as pulldown-cmark reads it: headings (for outlines and
//! symbols), links and images (for bundle checks and document links) and code (blocks and
//! spans), all with byte ranges into the whole file.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::text::TextRange;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    /// The whole heading line (or setext block).
    pub range: TextRange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The destination as written (after Markdown unescaping).
    pub target: String,
    /// Where the destination text is (the whole link when it cannot be pinned down).
    pub range: TextRange,
    pub image: bool,
}

impl Link {
    /// A path relative to the document: no scheme, not absolute, not a pure `#fragment`.
    pub fn is_relative(&self) -> bool {
        let t = &self.target;
        !(t.is_empty()
            || t.starts_with('#')
            || t.starts_with('/')
            || t.starts_with('\\')
            || has_scheme(t))
    }

    /// The path part of a relative target, percent-decoded, without `#fragment` or `?query`.
    pub fn path(&self) -> String {
        percent_decode(self.target.split(['#', '?']).next().unwrap_or_default())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outline {
    pub headings: Vec<Heading>,
    pub links: Vec<Link>,
    /// Fenced/indented code blocks and inline code spans.
    pub code: Vec<TextRange>,
}

/// The longest prefix of the body that is valid UTF-8: offsets must stay byte-exact, so text
/// after an invalid byte (reported elsewhere) is not parsed.
fn body(text: &[u8], start: usize) -> &str {
    let bytes = &text[start.min(text.len())..];
    match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
    }
}

/// Parses the Markdown starting at byte `start` of `text`.
pub fn outline(text: &[u8], start: usize) -> Outline {
    let body = body(text, start);
    let mut out = Outline::default();
    let mut heading: Option<(u8, usize, String)> = None;
    for (event, range) in Parser::new_ext(body, Options::empty()).into_offset_iter() {
        let r = TextRange::new(range.start + start, range.end + start);
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((heading_level(level), r.start, String::new()))
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, from, text)) = heading.take() {
                    out.headings.push(Heading {
                        level,
                        text: text.trim().to_string(),
                        range: TextRange::new(from, r.end),
                    });
                }
            }
            Event::Text(t) => {
                if let Some((_, _, h)) = &mut heading {
                    h.push_str(&t);
                }
            }
            Event::Code(t) => {
                if let Some((_, _, h)) = &mut heading {
                    h.push_str(&t);
                }
                out.code.push(r);
            }
            Event::Start(Tag::CodeBlock(_)) => out.code.push(r),
            Event::Start(Tag::Link { dest_url, .. }) => {
                out.links
                    .push(link(body, start, &range, dest_url.to_string(), false))
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                out.links
                    .push(link(body, start, &range, dest_url.to_string(), true))
            }
            _ => {}
        }
    }
    out
}

/// Only the links (skips parsing when the body cannot contain any).
pub fn links(text: &[u8], start: usize) -> Vec<Link> {
    let b = body(text, start);
    if !b.contains("](") && !b.contains("]:") {
        return Vec::new();
    }
    outline(text, start).links
}

fn link(
    body: &str,
    start: usize,
    range: &std::ops::Range<usize>,
    target: String,
    image: bool,
) -> Link {
    let within = &body[range.clone()];
    let r = match within.rfind(target.as_str()).filter(|_| !target.is_empty()) {
        Some(i) => TextRange::new(range.start + i, range.start + i + target.len()),
        None => TextRange::new(range.start, range.end),
    };
    Link {
        target,
        range: r.shift(start),
        image,
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn has_scheme(dest: &str) -> bool {
    dest.find(':').is_some_and(|i| {
        i > 0
            && dest[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outline_has_headings_links_and_code() {
        let text = b"---\n---\n# Title `x`\n\nSee [a](references/a%20b.md#top), [b](https://x.y), ![i](assets/i.png).\n\n```sh\n$[ns].x\n```\n";
        let o = outline(text, 8);
        assert_eq!(o.headings.len(), 1);
        assert_eq!(
            (o.headings[0].level, o.headings[0].text.as_str()),
            (1, "Title x")
        );
        let rel: Vec<_> = o
            .links
            .iter()
            .filter(|l| l.is_relative())
            .map(Link::path)
            .collect();
        assert_eq!(rel, ["references/a b.md", "assets/i.png"]);
        let r = o.links[0].range;
        assert_eq!(&text[r.start..r.end], b"references/a%20b.md#top");
        assert_eq!(o.code.len(), 2);
        assert!(links(b"no links here", 0).is_empty());
    }

    #[test]
    fn invalid_utf8_does_not_shift_offsets() {
        let text = b"[a](x.md)\n\xff [b](y.md)";
        let l = links(text, 0);
        assert_eq!(l.len(), 1);
        assert_eq!(&text[l[0].range.start..l[0].range.end], b"x.md");
    }
}
