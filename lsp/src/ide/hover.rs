//! Hover: what a mention resolves to (or exactly why it does not), what the runtime does with
//! a frontmatter or config key, what a near-miss is read as, where a link goes.

use skills_runtime::check::{Resolver, Workspace};
use skills_runtime::config::schema;
use skills_runtime::mentions::Mention;
use skills_runtime::rules::mentions::Resolution;
use skills_runtime::text::TextRange;

use super::completion::{field_doc, floor_char_boundary, skill_doc, space_doc};
use super::cursor::{self, DocKind};
use super::frontmatter_keys;
use super::links::link_target;
use super::resolve;
use super::yaml_cursor::{self, Seg, Slot};
use super::{Document, Hover};

pub fn hover(ws: &Workspace, doc: Document, offset: usize) -> Option<Hover> {
    let offset = floor_char_boundary(doc.text, offset);
    if let Some(n) = cursor::near_miss_at(doc.text, offset) {
        let shown = &doc.text[n.range.start..n.range.end];
        let mut md = format!(
            "**`{shown}` is not a mention the runtime reads**: it has {}.",
            n.kind.describe()
        );
        match &n.extracted {
            Some(m) => md.push_str(&format!(
                "\n\nThe runtime extracts `{}` here instead.",
                m.text()
            )),
            None => md.push_str("\n\nThe runtime ignores it: nothing is resolved or injected."),
        }
        if let Some(s) = &n.suggestion {
            md.push_str(&format!("\n\nWrite `{s}`."));
        }
        return Some(Hover {
            range: n.range,
            markdown: md,
        });
    }
    if let Some(m) = cursor::mention_at(doc.text, offset) {
        return Some(Hover {
            range: m.range,
            markdown: mention_markdown(ws, &m),
        });
    }
    match cursor::doc_kind(ws, doc.path) {
        DocKind::Skill => {
            if let Some(h) = frontmatter_hover(ws, doc, offset) {
                return Some(h);
            }
        }
        DocKind::Config => return config_hover(ws, doc, offset),
        DocKind::Text => {}
    }
    let link = cursor::link_at(doc.text, offset)?;
    let markdown = match link_target(doc.path, &link) {
        Some(target) => format!("`{}`", resolve::shown(ws, &target)),
        None => format!("`{}` does not exist", link.path()),
    };
    Some(Hover {
        range: link.range,
        markdown,
    })
}

fn mention_markdown(ws: &Workspace, m: &Mention) -> String {
    let text = m.text();
    if ws.index.discovered_without_config {
        let found = resolve::skills_for(ws, &m.namespace, &m.skill_name);
        let mut md = format!(
            "**`{text}`**\n\nThis workspace has no `config/runtime.yaml`, so the runtime resolves no mention: namespaces come from `skills.spaces`."
        );
        if let Some(s) = found.first() {
            md.push_str(&format!(
                "\n\nA skill named `{}` exists: {}",
                s.name,
                skill_doc(ws, s)
            ));
        }
        return md;
    }
    let resolver = Resolver::new(&ws.config, &ws.index);
    let mut md = format!("**`{text}`**");
    match resolver.resolve(&m.namespace, &m.skill_name) {
        Resolution::Resolved => {
            let skills = resolve::skills_for(ws, &m.namespace, &m.skill_name);
            md.push_str(&format!(
                " — skill `{}` in namespace `{}`\n\n",
                m.skill_name, m.namespace
            ));
            if let Some(s) = skills.first() {
                md.push_str(&skill_doc(ws, s));
            }
            if skills.len() > 1 {
                md.push_str(&format!(
                    "\n\n**Duplicate:** {} skills have this name in `{}`; the runtime's scan aborts (SKILL_DUPLICATE_NAME).",
                    skills.len(),
                    m.namespace
                ));
            }
        }
        Resolution::NothingConfigured => md.push_str(
            "\n\n**Does not resolve:** no enabled skills space with a source is configured (SKILL_SPACE_NOT_CONFIGURED).",
        ),
        Resolution::NamespaceNotConfigured {
            disabled: Some(space),
            ..
        } => md.push_str(&format!(
            "\n\n**Does not resolve:** namespace `{}` belongs to space `{space}`, which is disabled (SKILL_SPACE_NOT_CONFIGURED).",
            m.namespace
        )),
        Resolution::NamespaceNotConfigured {
            disabled: None,
            suggestion,
        } => {
            md.push_str(&format!(
                "\n\n**Does not resolve:** no enabled space has namespace `{}` (SKILL_SPACE_NOT_CONFIGURED).",
                m.namespace
            ));
            if let Some(s) = suggestion {
                md.push_str(&format!(" Did you mean `{s}`?"));
            }
            let known = resolve::enabled_namespaces(ws);
            if !known.is_empty() {
                let list: Vec<String> = known.iter().map(|n| format!("`{n}`")).collect();
                md.push_str(&format!("\n\nConfigured namespaces: {}", list.join(", ")));
            }
        }
        Resolution::Unknown {
            suggestion,
            rejected,
        } => {
            md.push_str(&format!(
                "\n\n**Does not resolve:** no skill `{}` in namespace `{}` (SKILL_UNKNOWN).",
                m.skill_name, m.namespace
            ));
            if let Some(s) = suggestion {
                md.push_str(&format!(" Did you mean `{s}`?"));
            }
            if let Some((path, reason)) = rejected {
                md.push_str(&format!(
                    "\n\n`{path}` declares this name, but the runtime rejects that file: {reason}."
                ));
            }
        }
    }
    if let Some(b) = resolver.blocker() {
        md.push_str(&format!(
            "\n\n**Blocked:** the runtime currently refuses every mention because of {} (`{}`).",
            b.cause,
            resolve::shown(ws, &b.path)
        ));
    }
    md
}

fn frontmatter_hover(ws: &Workspace, doc: Document, offset: usize) -> Option<Hover> {
    let fm = cursor::frontmatter(doc.text)?;
    if offset < fm.yaml.start || offset >= fm.yaml.end {
        return None;
    }
    let c = yaml_cursor::at(doc.text, fm.yaml, offset)?;
    let mut path: Vec<String> = c
        .path
        .iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.clone()),
            Seg::Item(_) => None,
        })
        .collect();
    match &c.slot {
        Slot::Key { range, .. } if !range.is_empty() => {
            path.push(
                doc.text[range.start..range.end]
                    .trim_matches(['"', '\''])
                    .to_string(),
            );
            let key = frontmatter_keys::find(&path)?;
            Some(Hover {
                range: *range,
                markdown: format!("**`{}`** — {}\n\n{}", path.join("."), key.summary, key.doc),
            })
        }
        Slot::Value { key, range, .. } if path.is_empty() && key == "name" => Some(Hover {
            range: *range,
            markdown: name_value_markdown(ws, doc),
        }),
        _ => None,
    }
}

/// On a SKILL.md's `name:` value: how the runtime indexes this file.
fn name_value_markdown(ws: &Workspace, doc: Document) -> String {
    let skills: Vec<_> = ws
        .index
        .skills
        .iter()
        .filter(|s| s.locator == doc.path)
        .collect();
    if !skills.is_empty() {
        let mentions: Vec<String> = skills
            .iter()
            .filter_map(|s| {
                s.namespace.as_deref().map(|ns| {
                    format!(
                        "`{}`",
                        skills_runtime::mentions::format_mention(ns, &s.name)
                    )
                })
            })
            .collect();
        let mut md = format!("Indexed as `{}`", skills[0].name);
        if !mentions.is_empty() {
            md.push_str(&format!("; mention it as {}", mentions.join(" or ")));
        }
        md.push('.');
        return md;
    }
    match resolve::skill_file(ws, doc.path) {
        Some(f) if f.is_rejected() => {
            let reason = match &f.verdict {
                Some(skills_runtime::skill::Verdict::Rejected(r)) => r.reason().to_string(),
                Some(skills_runtime::skill::Verdict::Crash(_)) => {
                    "its scan crashes on this file".to_string()
                }
                _ => f
                    .read_error
                    .clone()
                    .unwrap_or_else(|| "unreadable".to_string()),
            };
            format!("**Not indexed:** the runtime rejects this file ({reason}).")
        }
        Some(_) => "**Not indexed:** no enabled space reaches this SKILL.md.".to_string(),
        None => "Not part of this workspace's index.".to_string(),
    }
}

fn config_hover(ws: &Workspace, doc: Document, offset: usize) -> Option<Hover> {
    let c = yaml_cursor::at(doc.text, TextRange::new(0, doc.text.len()), offset)?;
    let path = c.schema_path();
    let plain: Vec<String> = path
        .iter()
        .map(|p| p.trim_end_matches("[]").to_string())
        .collect();
    let segs: Vec<&str> = path.iter().map(String::as_str).collect();
    match &c.slot {
        Slot::Key {
            range, bare_item, ..
        } if !range.is_empty() => {
            let key = doc.text[range.start..range.end].trim_matches(['"', '\'']);
            if *bare_item && segs == ["skills", "spaces[]", "sources[]"] {
                return source_hover(ws, key, *range);
            }
            let field = schema::model_at(&segs)?.field(key)?;
            Some(Hover {
                range: *range,
                markdown: field_doc(&plain, field),
            })
        }
        Slot::Value {
            key,
            key_range,
            range,
            item,
        } => {
            let value = doc.text[range.start..range.end].trim_matches(['"', '\'']);
            if segs == ["skills", "spaces[]"] && key == "sources" && *item {
                return source_hover(ws, value, *range);
            }
            if segs == ["skills", "spaces[]"] && key == "namespace" && !value.is_empty() {
                let count = ws.index.names_in(value).count();
                return Some(Hover {
                    range: *range,
                    markdown: format!(
                        "Namespace `{value}`: mention its skills as `$[{value}].name` · {count} skill{} indexed\n\n{}",
                        if count == 1 { "" } else { "s" },
                        space_doc(ws, value)
                    ),
                });
            }
            if key_range.contains(offset) || key_range.end == offset {
                let field = schema::model_at(&segs)?.field(key)?;
                return Some(Hover {
                    range: *key_range,
                    markdown: field_doc(&plain, field),
                });
            }
            None
        }
        _ => None,
    }
}

fn source_hover(ws: &Workspace, id: &str, range: TextRange) -> Option<Hover> {
    let markdown = match ws.config.skills.source(id) {
        Some(src) => {
            let mut md = format!("Source `{id}` · type `{}`", src.kind);
            if let Some(root) = resolve::source_root(ws, src) {
                md.push_str(&format!(" · root `{}`", resolve::shown(ws, &root)));
                if !root.is_dir() {
                    md.push_str(" (does not exist)");
                }
            }
            md
        }
        None => format!(
            "**No source `{id}`** is defined in `skills.sources`: the runtime's scan then scans nothing."
        ),
    };
    Some(Hover { range, markdown })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{TestWorkspace, at_bar};
    use super::*;

    fn hover_at(t: &TestWorkspace, rel: &str, with_bar: &str) -> Option<Hover> {
        let ws = t.check();
        let (text, at) = at_bar(with_bar);
        hover(&ws, t.doc(rel, &text), at)
    }

    #[test]
    fn a_resolved_mention_shows_the_skill() {
        let t = TestWorkspace::one_space();
        t.skill("skills/writer", "writer", "Writes articles.");
        let h = hover_at(&t, "notes.md", "日本 $[acme:docs].wr|iter").unwrap();
        assert_eq!(h.range, TextRange::new(7, 26));
        assert!(h.markdown.contains("Writes articles."), "{}", h.markdown);
        assert!(h.markdown.contains("skills/writer/SKILL.md"));
        assert!(h.markdown.contains("space `main` · source `fs`"));
    }

    #[test]
    fn an_unresolved_mention_says_why() {
        let t = TestWorkspace::one_space();
        t.skill("skills/writer", "writer", "Writes articles.");
        let h = hover_at(&t, "notes.md", "$[acme:docs].wirter|").unwrap();
        assert!(
            h.markdown.contains("SKILL_UNKNOWN") && h.markdown.contains("`writer`"),
            "{}",
            h.markdown
        );
        let h = hover_at(&t, "notes.md", "$[acme:dcs].wr|iter").unwrap();
        assert!(
            h.markdown.contains("Did you mean `acme:docs`"),
            "{}",
            h.markdown
        );
        // A rejected file declaring the name blocks everything and is named.
        t.file("skills/bad/SKILL.md", "---\nname: bad-one\n---\n");
        let h = hover_at(&t, "notes.md", "$[acme:docs].bad-o|ne").unwrap();
        assert!(
            h.markdown
                .contains("skills/bad/SKILL.md` declares this name"),
            "{}",
            h.markdown
        );
        assert!(h.markdown.contains("**Blocked:**"), "{}", h.markdown);
    }

    #[test]
    fn keys_explain_what_the_runtime_does() {
        let t = TestWorkspace::one_space();
        let h = hover_at(
            &t,
            "skills/x/SKILL.md",
            "---\r\nna|me: x\r\ndescription: d\r\n---\r\n",
        )
        .unwrap();
        assert!(h.markdown.contains("Required"));
        assert_eq!(h.range, TextRange::new(5, 9));
        let h = hover_at(
            &t,
            "skills/x/SKILL.md",
            "---\nname: x\nrequired_env|_vars: [A]\n---\n",
        )
        .unwrap();
        assert!(h.markdown.contains("agents/openai.yaml"));
        let h = hover_at(
            &t,
            "config/runtime.yaml",
            "skills:\n  scan:\n    max_de|pth: 3\n",
        )
        .unwrap();
        assert!(
            h.markdown.contains("`skills.scan.max_depth`") && h.markdown.contains("Default: `99`"),
            "{}",
            h.markdown
        );
        let h = hover_at(
            &t,
            "config/runtime.yaml",
            "skills:\n  spaces:\n    - {id: main, namespace: x, sources: [f|s]}\n",
        )
        .unwrap();
        assert!(h.markdown.contains("type `filesystem`"), "{}", h.markdown);
    }

    #[test]
    fn near_misses_say_what_the_runtime_reads() {
        let t = TestWorkspace::one_space();
        let h = hover_at(&t, "notes.md", "$[acme:docs].pyTh|on").unwrap();
        assert!(
            h.markdown.contains("extracts `$[acme:docs].py`"),
            "{}",
            h.markdown
        );
        let h = hover_at(&t, "notes.md", "$ [acme:d|ocs].python").unwrap();
        assert!(h.markdown.contains("ignores it"), "{}", h.markdown);
    }
}
