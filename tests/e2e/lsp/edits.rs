//! Incremental sync: rapid-fire random edits (CRLF, emoji, CJK, out-of-range positions) must
//! leave the server with the same diagnostics as opening the final text fresh, and no stale
//! result may be published after a newer one.
//!
//! The random edits come from a tiny seeded PRNG; a failure prints the seed, and
//! `LSP_PROPTEST_SEED=<n>` replays one run.

use serde_json::{Value, json};
use skills_lsp_tests::lsp_client::ClientSetup;
use skills_lsp_tests::lsp_text::{DocModel, Encoding, Pos, line_starts, range_json};

use crate::support::{Session, codes, diag_key, standard_workspace};

/// SplitMix64: small, seedable, good enough to pick edits.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Text the edits insert: line breaks of every kind, multi-byte and astral characters, and
/// pieces of mentions and frontmatter so the diagnostics keep changing.
const PIECES: &[&str] = &[
    "\r\n",
    "\n",
    "\r",
    "😀",
    "日本語",
    "é",
    "$[acme:docs].",
    "$[ops].incident-review",
    " $[acme:docs].article-writer ",
    "article-writer",
    "fact-checkr",
    "$[",
    "]",
    ".",
    ":",
    "-",
    " ",
    "name: x",
    "---",
    "description: ",
    "$[Acme:docs].style-guide",
    "ab",
    "Z",
    "\t",
];

const START_TEXT: &str = "---\r\nname: fact-checker\r\ndescription: Vérifie 😀 les faits 日本\r\n---\r\n# Fact checker 😀\r\n\r\nHand it to $[acme:docs].article-writer, 然后 $[acme:docs].style-guid.\r\nMixed\nline\rbreaks $[ops].incident-review 👩‍💻\r\n";

/// A random char boundary; mostly in the body, so the frontmatter usually survives and the
/// mention rules keep firing.
fn char_boundary_offset(rng: &mut Rng, text: &str) -> usize {
    // After the line break that ends the closing `---` line.
    let body = text
        .get(3..)
        .and_then(|t| t.find("\n---"))
        .and_then(|i| text[i + 7..].find('\n').map(|j| i + 7 + j + 1))
        .unwrap_or(0);
    let from = if rng.chance(2) {
        0
    } else {
        body.min(text.len())
    };
    let mut o = from + rng.below(text.len() - from + 1);
    while !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}

/// One random content change against `doc`'s current text.
fn random_change(rng: &mut Rng, doc: &DocModel) -> Value {
    let text = &doc.text;
    let mut insert = String::new();
    for _ in 0..rng.below(4) {
        insert.push_str(PIECES[rng.below(PIECES.len())]);
    }
    if rng.chance(2) {
        // A full-text replacement: the current text with the insert appended.
        return json!({"text": format!("{text}{insert}")});
    }
    let a = char_boundary_offset(rng, text);
    let b = if rng.chance(40) {
        a
    } else {
        let mut b = (a + rng.below(12)).min(text.len());
        while !text.is_char_boundary(b) {
            b += 1;
        }
        b
    };
    let mut start = doc.pos(a);
    let mut end = doc.pos(b);
    let lines = line_starts(text).len() as u32;
    match rng.below(12) {
        // Past the end of the line: clamps to the line's end.
        0 => end.character += 1 + rng.below(40) as u32,
        // Past the last line: clamps to the end of the text.
        1 => end = Pos::new(lines + rng.below(3) as u32, rng.below(5) as u32),
        // Both past the end: an append.
        2 => {
            start = Pos::new(lines + 1, 7);
            end = start;
        }
        // An insertion past the end of a line.
        3 => {
            start.character += 100;
            end = start;
        }
        _ => {}
    }
    json!({"range": range_json(start, end), "text": insert})
}

fn sorted_keys(diags: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = diags.iter().map(diag_key).collect();
    v.sort();
    v
}

/// Fires `edits` random changes without waiting, then compares the final diagnostics with a
/// fresh open of the same text.
fn rapid_edits_match_fresh_open(name: &str, seed: u64, enc: Encoding, pull: bool, edits: usize) {
    let seed = std::env::var("LSP_PROPTEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(seed);
    let ws = standard_workspace(name);
    let path = ws.root.join("library/docs/fact-checker/SKILL.md");
    let mut setup = ClientSetup::new(&[&ws.root]);
    if enc == Encoding::Utf8 {
        setup.encodings = vec![Encoding::Utf8];
    }
    setup.pull_diagnostics = pull;
    let mut s = Session::start_with(setup);
    assert_eq!(s.enc(), enc);
    let uri = s.open(&path, START_TEXT);
    let mut rng = Rng(seed);
    let mut sent = 0;
    while sent < edits {
        let n = 1 + usize::from(rng.chance(15)) * rng.below(3);
        let mut changes = Vec::new();
        let mut model = s.doc(&uri).clone();
        for _ in 0..n {
            let c = random_change(&mut rng, &model);
            model.apply(&c);
            changes.push(c);
        }
        s.change(&uri, changes);
        sent += n;
    }
    let final_text = s.text(&uri).to_owned();
    let context = || {
        format!(
            "seed {seed} ({enc:?}, {} edits); final text {final_text:?}",
            edits
        )
    };

    let after_edits = if pull {
        let r = s.client.request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        );
        r["items"].as_array().cloned().unwrap_or_default()
    } else {
        let d = s.settled_diagnostics(&uri);
        // Publishes for this document never go back to an older version.
        let versions: Vec<i64> = s
            .client
            .history()
            .iter()
            .filter(|m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == uri.as_str()
            })
            .filter_map(|m| m["params"]["version"].as_i64())
            .collect();
        assert!(
            versions.windows(2).all(|w| w[0] <= w[1]),
            "stale diagnostics published after newer ones: versions {versions:?}; {}",
            context()
        );
        d
    };

    // The same text, opened fresh in a new server (not a close and reopen in this one: that
    // is a scenario of its own, see `diagnostics::a_reopened_document_…`).
    let mut setup = ClientSetup::new(&[&ws.root]);
    if enc == Encoding::Utf8 {
        setup.encodings = vec![Encoding::Utf8];
    }
    setup.pull_diagnostics = pull;
    let mut fresh_session = Session::start_with(setup);
    let fresh_uri = fresh_session.open(&path, &final_text);
    let fresh = if pull {
        let r = fresh_session.client.request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": fresh_uri}}),
        );
        r["items"].as_array().cloned().unwrap_or_default()
    } else {
        fresh_session.settled_diagnostics(&fresh_uri)
    };
    fresh_session.shutdown();
    assert_eq!(
        sorted_keys(&after_edits),
        sorted_keys(&fresh),
        "diagnostics after incremental edits differ from a fresh open; {}",
        context()
    );
    s.shutdown();
}

#[test]
fn rapid_edits_equal_a_fresh_open_utf16() {
    rapid_edits_match_fresh_open("prop-utf16", 0x5EED_0001, Encoding::Utf16, false, 300);
}

#[test]
fn rapid_edits_equal_a_fresh_open_utf8() {
    rapid_edits_match_fresh_open("prop-utf8", 0x5EED_0002, Encoding::Utf8, false, 300);
}

#[test]
fn rapid_edits_equal_a_fresh_open_pull() {
    rapid_edits_match_fresh_open("prop-pull", 0x5EED_0003, Encoding::Utf16, true, 300);
}

#[test]
fn edits_across_crlf_and_astral_characters_land_where_the_client_means() {
    let ws = standard_workspace("crlf-emoji");
    let path = ws.root.join("library/docs/fact-checker/SKILL.md");
    let mut s = Session::start(&[&ws.root]);
    let text = "---\r\nname: fact-checker\r\ndescription: 😀 日本\r\n---\r\n👩‍💻 x\r\n";
    let uri = s.open(&path, text);
    assert_eq!(s.settled_diagnostics(&uri), Vec::<Value>::new());
    // Append past the end of line 4 (character 999 clamps to the line's end, before CRLF).
    s.change(
        &uri,
        vec![json!({"range": range_json(Pos::new(4, 999), Pos::new(4, 999)), "text": " $[acme:docs].nope"})],
    );
    assert_eq!(
        s.text(&uri),
        "---\r\nname: fact-checker\r\ndescription: 😀 日本\r\n---\r\n👩‍💻 x $[acme:docs].nope\r\n"
    );
    let d = s.diagnostics(&uri);
    assert_eq!(codes(&d), ["SK301"], "{d:?}");
    // 👩‍💻 is 5 UTF-16 code units; " x " adds 3.
    assert_eq!(
        d[0]["range"],
        range_json(Pos::new(4, 8), Pos::new(4, 25)),
        "{d:?}"
    );
    // Replace the emoji (5 units) and join the line with the previous one across its CRLF.
    s.change(
        &uri,
        vec![json!({"range": range_json(Pos::new(3, 3), Pos::new(4, 5)), "text": "\r\nok"})],
    );
    assert_eq!(
        s.text(&uri),
        "---\r\nname: fact-checker\r\ndescription: 😀 日本\r\n---\r\nok x $[acme:docs].nope\r\n"
    );
    let d = s.diagnostics(&uri);
    assert_eq!(
        d.first().map(|d| d["range"].clone()),
        Some(range_json(Pos::new(4, 5), Pos::new(4, 22))),
        "{d:?}"
    );
    // A range past the last line deletes to the end of the text.
    s.change(
        &uri,
        vec![json!({"range": range_json(Pos::new(4, 4), Pos::new(40, 0)), "text": ""})],
    );
    assert_eq!(s.diagnostics(&uri), Vec::<Value>::new());
    s.shutdown();
}
