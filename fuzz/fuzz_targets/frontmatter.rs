//! SKILL.md parsing on arbitrary bytes: the frontmatter split, the PyYAML-compatible load,
//! the verdict, and every per-file rule. Must never panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use skills_runtime::analysis::{AnalysisOptions, analyze_skill_text};
use skills_runtime::rules::Profile;
use skills_runtime::skill::{DEFAULT_MAX_FRONTMATTER_BYTES, SkillDocument};

fuzz_target!(|data: &[u8]| {
    // Small caps exercise the too-large path on small inputs.
    let cap = match data.first() {
        Some(b) if b % 4 == 0 => usize::from(*b) + 1,
        _ => DEFAULT_MAX_FRONTMATTER_BYTES,
    };
    let _ = SkillDocument::parse(data, cap);
    // A bundle directory that does not exist: link and action checks stay off the real disk.
    let bundle = Path::new("/nonexistent/skills-lsp-fuzz/skill");
    for profile in [Profile::Runtime, Profile::AgentSkills] {
        let opts = AnalysisOptions {
            max_frontmatter_bytes: cap,
            injection_max_bytes: Some(1024),
            profile,
        };
        let _ = analyze_skill_text(&bundle.join("SKILL.md"), data, bundle, &opts);
    }
});
