//! `config/runtime.yaml` validation (layers A–D) on arbitrary bytes, with no filesystem access.
//! The input is split on a `\0---\0` marker into up to three overlays, so merging is exercised.
#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use skills_runtime::config::{self, Origin};

fuzz_target!(|data: &[u8]| {
    let root = PathBuf::from("/nonexistent/skills-lsp-fuzz");
    let origins = [Origin::Discovered, Origin::EnvVar, Origin::Cli];
    let mut overlays = Vec::new();
    let mut rest = data;
    for (i, origin) in origins.into_iter().enumerate() {
        let (part, next) = match rest.windows(5).position(|w| w == b"\0---\0") {
            Some(at) if i + 1 < origins.len() => (&rest[..at], &rest[at + 5..]),
            _ => (rest, &[][..]),
        };
        overlays.push((root.join(format!("overlay{i}.yaml")), origin, part.to_vec()));
        rest = next;
        if rest.is_empty() {
            break;
        }
    }
    let cfg = config::load_texts(root, overlays);
    for d in &cfg.diagnostics {
        let _ = d.code();
    }
});
