//! Lookups the features share: which skills a mention names, which namespaces a SKILL.md is
//! indexed under, where a source's root is, and did-you-mean candidates.

use std::path::{Path, PathBuf};

use skills_runtime::analysis::FileAnalysis;
use skills_runtime::check::Workspace;
use skills_runtime::config::{Source, Space};
use skills_runtime::index::IndexedSkill;
use skills_runtime::suggest;

/// Every indexed skill a mention names (more than one for duplicates). Without any runtime
/// config namespaces mean nothing yet, so the name alone decides.
pub(crate) fn skills_for<'w>(
    ws: &'w Workspace,
    namespace: &str,
    name: &str,
) -> Vec<&'w IndexedSkill> {
    if ws.index.discovered_without_config {
        return ws.index.skills.iter().filter(|s| s.name == name).collect();
    }
    if ws.index.lookup(namespace, name).is_none() {
        return Vec::new();
    }
    ws.index
        .skills
        .iter()
        .filter(|s| s.name == name && s.namespace.as_deref() == Some(namespace))
        .collect()
}

pub(crate) fn file_of<'w>(ws: &'w Workspace, skill: &IndexedSkill) -> &'w FileAnalysis {
    &ws.index.files[skill.file]
}

/// The analysis of a SKILL.md, in the index or among the extra files.
pub(crate) fn skill_file<'w>(ws: &'w Workspace, path: &Path) -> Option<&'w FileAnalysis> {
    let canon = path.canonicalize().ok();
    let same = |p: &Path| p == path || canon.as_deref() == Some(p);
    ws.index
        .file(path)
        .or_else(|| canon.as_deref().and_then(|c| ws.index.file(c)))
        .or_else(|| ws.extra_files.iter().find(|f| same(&f.path)))
}

/// Where a filesystem source's root is, resolved as the index resolves it.
pub(crate) fn source_root(ws: &Workspace, source: &Source) -> Option<PathBuf> {
    if source.kind != "filesystem" {
        return None;
    }
    let root = source.root.as_deref().filter(|r| !r.trim().is_empty())?;
    Some(if Path::new(root).is_absolute() {
        PathBuf::from(root)
    } else {
        let joined = ws.config.workspace_root.join(root);
        joined.canonicalize().unwrap_or(joined)
    })
}

/// Enabled spaces with this namespace.
pub(crate) fn spaces_of<'w>(ws: &'w Workspace, namespace: &str) -> impl Iterator<Item = &'w Space> {
    ws.config
        .skills
        .spaces
        .iter()
        .filter(move |s| s.enabled && s.namespace == namespace)
}

/// Distinct namespaces of the enabled spaces, in config order.
pub(crate) fn enabled_namespaces(ws: &Workspace) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for s in ws.config.skills.spaces.iter().filter(|s| s.enabled) {
        if !out.contains(&s.namespace.as_str()) {
            out.push(&s.namespace);
        }
    }
    out
}

/// The namespaces a SKILL.md is indexed under; for a file the scan rejects, those of the
/// enabled spaces whose filesystem roots contain it (where it would be once fixed).
pub(crate) fn namespaces_of_file(ws: &Workspace, path: &Path) -> Vec<String> {
    // The editor's path may differ from the walked one by symlinks.
    let canon = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let path = if ws.index.file(path).is_none() && ws.index.file(&canon).is_some() {
        canon.as_path()
    } else {
        path
    };
    let mut out: Vec<String> = Vec::new();
    for s in ws.index.skills.iter().filter(|s| s.locator == path) {
        if let Some(ns) = &s.namespace {
            if !out.contains(ns) {
                out.push(ns.clone());
            }
        }
    }
    if !out.is_empty() {
        return out;
    }
    for space in ws.config.skills.spaces.iter().filter(|s| s.enabled) {
        let reaches = space.sources.iter().any(|id| {
            ws.config
                .skills
                .source(id)
                .and_then(|src| source_root(ws, src))
                .is_some_and(|root| path.starts_with(&root) || canon.starts_with(&root))
        });
        if reaches && !out.contains(&space.namespace) {
            out.push(space.namespace.clone());
        }
    }
    out
}

/// Words close to `word`, best first (edit distance within the usual limit, then words that
/// contain it), at most `max`.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    words: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Vec<&'a str> {
    let limit = suggest::limit_for(word);
    let mut scored: Vec<(usize, &str)> = Vec::new();
    for w in words {
        if w == word {
            continue;
        }
        if let Some(d) = suggest::distance_within(word, w, limit) {
            scored.push((d, w));
        } else if word.len() >= 3 && (w.contains(word) || word.contains(w)) {
            scored.push((limit + 1, w));
        }
    }
    scored.sort();
    scored.dedup();
    scored.into_iter().take(max).map(|(_, w)| w).collect()
}

/// A path as messages show it: relative to the workspace root when inside it.
pub(crate) fn shown(ws: &Workspace, path: &Path) -> String {
    skills_runtime::diagnostic::shown_path(path, &ws.root)
}

/// Fuzzy match of `typed` against `word`: 0 prefix, 1 substring, 2 subsequence, `None` no
/// match. Case-insensitive for an ASCII-lowercase `word` (skill names and namespaces always
/// are) when `typed` is lowercased once by the caller with [`lower`].
pub(crate) fn match_rank(typed: &str, word: &str) -> Option<u8> {
    if typed.is_empty() || word.starts_with(typed) {
        return Some(0);
    }
    if word.contains(typed) {
        return Some(1);
    }
    let mut it = word.bytes();
    typed.bytes().all(|c| it.any(|x| x == c)).then_some(2)
}

/// What the user typed, ready for [`match_rank`].
pub(crate) fn lower(typed: &str) -> String {
    typed.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_orders_by_distance_then_containment() {
        let words = ["article-writer", "article-reader", "writer", "zzz"];
        assert_eq!(
            did_you_mean("artcle-writer", words, 5),
            ["article-writer", "writer"]
        );
        assert_eq!(
            did_you_mean("write", words, 5),
            ["writer", "article-writer"]
        );
    }

    #[test]
    fn match_rank_prefers_prefixes() {
        assert_eq!(match_rank(&lower("Art"), "article"), Some(0));
        assert_eq!(match_rank("tic", "article"), Some(1));
        assert_eq!(match_rank("ale", "article"), Some(2));
        assert_eq!(match_rank("xyz", "article"), None);
    }
}
