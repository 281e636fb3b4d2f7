//! Mention extraction, occurrences, near-misses and single-token parsing on arbitrary bytes,
//! with the invariants the rest of the runtime relies on.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skills_runtime::mentions::{self, Mention};

fn check_range(text: &[u8], as_str: Option<&str>, m: &Mention) {
    for r in [m.range, m.namespace_range, m.name_range] {
        assert!(
            r.start <= r.end && r.end <= text.len(),
            "{r:?} out of bounds"
        );
        if let Some(s) = as_str {
            assert!(s.is_char_boundary(r.start) && s.is_char_boundary(r.end));
        }
    }
    assert_eq!(&text[m.range.start..m.range.end], m.text().as_bytes());
    let parsed = mentions::parse_single(&m.text()).expect("an extracted mention parses alone");
    assert_eq!(
        (&parsed.namespace, &parsed.skill_name),
        (&m.namespace, &m.skill_name)
    );
}

fuzz_target!(|data: &[u8]| {
    let as_str = std::str::from_utf8(data).ok();
    let extracted = mentions::extract(data);
    for m in &extracted {
        check_range(data, as_str, m);
    }
    let all = mentions::occurrences(data);
    assert!(all.len() >= extracted.len());
    for m in &all {
        check_range(data, as_str, m);
    }
    for n in mentions::near_misses(data) {
        assert!(n.range.start <= n.range.end && n.range.end <= data.len());
        if let Some(m) = &n.extracted {
            check_range(data, as_str, m);
        }
        if let Some(s) = &n.suggestion {
            assert!(
                mentions::parse_single(s).is_some(),
                "suggestion {s:?} is not a mention"
            );
        }
    }
    let lossy = String::from_utf8_lossy(data);
    if let Some(m) = mentions::parse_single(&lossy) {
        assert!(m.range.end <= lossy.len());
    }
});
