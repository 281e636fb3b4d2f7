//! Document links: relative Markdown links and images that point at existing files.

use std::path::{Component, Path, PathBuf};

use skills_runtime::check::Workspace;
use skills_runtime::markdown::Link;

use super::cursor;
use super::{Document, DocumentLink};

/// The file a relative link points at, if it exists (relative to the document's directory).
pub(crate) fn link_target(doc_path: &Path, link: &Link) -> Option<PathBuf> {
    if !link.is_relative() {
        return None;
    }
    let rel = link.path();
    if rel.is_empty() {
        return None;
    }
    let mut target = doc_path.parent()?.to_path_buf();
    for c in Path::new(&rel).components() {
        match c {
            Component::Normal(p) => target.push(p),
            Component::ParentDir => {
                target.pop();
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    target.exists().then_some(target)
}

pub fn document_links(_ws: &Workspace, doc: Document) -> Vec<DocumentLink> {
    cursor::links(doc.text)
        .into_iter()
        .filter_map(|l| {
            let target = link_target(doc.path, &l)?;
            let shown = l.path();
            Some(DocumentLink {
                range: l.range,
                tooltip: Some(if target.is_dir() {
                    format!("Reveal `{shown}`")
                } else {
                    format!("Open `{shown}`")
                }),
                target,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::TestWorkspace;
    use super::*;

    #[test]
    fn only_existing_relative_targets_are_links() {
        let t = TestWorkspace::one_space();
        t.file("skills/w/references/guide é.md", "# guide");
        let text = "---\nname: w\ndescription: d\n---\nSee [g](references/guide%20é.md#top), [m](references/missing.md), [web](https://x.y) and [up](../w/SKILL.md).\n";
        t.file("skills/w/SKILL.md", text);
        let ws = t.check();
        let links = document_links(&ws, t.doc("skills/w/SKILL.md", text));
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].target, t.path("skills/w/references/guide é.md"));
        assert_eq!(
            &text[links[0].range.start..links[0].range.end],
            "references/guide%20é.md#top"
        );
        assert_eq!(links[1].target, t.path("skills/w/SKILL.md"));
    }
}
