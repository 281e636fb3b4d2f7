//! The messages of one turn (spec §1.4), assembled as the reference's `PromptManager` does:
//! 1. `system`: the rendered system template, plus `\n\n[Developer Policy]\n<developer>\n`;
//! 2. `user`: the list of available skills (profile `default_agent`);
//! 3. `user`: one per injected skill;
//! 4. the history, trimmed to `prompt.history.{max_messages,max_chars}`;
//! 5. `user`: the task — always last.
//!
//! The built-in templates are the reference's (`skills_runtime/assets/prompts/<template>/`),
//! reproduced byte for byte.

use serde_json::{Value, json};

use crate::agent::config::{EngineConfig, PromptConfig};
use crate::agent::llm::ToolSpec;
use crate::text::{is_python_space, python_splitlines};

/// `(system.md, developer.md)` of a built-in template.
fn builtin_template(name: &str) -> Option<(&'static str, &'static str)> {
    match name {
        "default" => Some((
            "You are a general-purpose agent.\n\nYou can plan, use tools, and iterate to complete the user's task.\nWhen tools are available, prefer using them over guessing.\n",
            "Follow a spec-driven + TDD workflow:\n- When changing code, write or update a minimal spec first.\n- Add or update offline regression tests (no external keys/network required).\n- Make small, reversible changes; explain decisions and trade-offs.\n\nSafety:\n- Avoid destructive operations unless explicitly requested.\n- If an action is risky, ask for approval or ask the user.\n",
        )),
        "generation_direct" => Some((
            "You directly complete the user's generation task.\n\nFocus on the requested output, follow any explicit style and format constraints, and avoid tool-oriented planning unless the task explicitly asks for it.",
            "\n",
        )),
        "structured_transform" => Some((
            "You transform the user's input into the requested structured output.\n\nPreserve source facts, follow the requested schema exactly, and do not add unrelated commentary.",
            "\n",
        )),
        _ => None,
    }
}

/// Fallbacks of `PromptTemplates.load()` when only one of the two texts is configured.
const FALLBACK_SYSTEM: &str = "You are a general-purpose agent.\n";
const FALLBACK_DEVELOPER: &str = "Follow the spec-driven + TDD workflow.\n";

/// The skills-list header (spec §1.4).
pub const SKILLS_LIST_HEADER: &str = "Available skills (mention via $[namespace].skill_name):";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InjectionMode {
    All,
    ExplicitOnly,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SkillRender {
    Body,
    MethodOnly,
    Summary,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ToolsExposure {
    All,
    ExplicitOnly,
    None,
}

/// A skill as the prompt shows it.
#[derive(Debug, Clone)]
pub(crate) struct PromptSkill {
    pub namespace: String,
    pub name: String,
    pub description: String,
    /// The path as walked (`<path>` of an injected skill, `locator` upstream).
    pub locator: String,
}

/// Builds every turn's messages for one run.
#[derive(Debug, Clone)]
pub(crate) struct PromptBuilder {
    system_template: String,
    developer_template: String,
    include_skills_list: bool,
    injection: InjectionMode,
    render: SkillRender,
    history: bool,
    tools: ToolsExposure,
    max_messages: usize,
    max_chars: usize,
}

fn choice<T: Copy>(
    value: Option<&str>,
    default: T,
    allowed: &[(&str, T)],
    field: &str,
) -> Result<T, String> {
    match value {
        None | Some("") => Ok(default),
        Some(v) => allowed
            .iter()
            .find(|(k, _)| *k == v)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                let names: Vec<&str> = allowed.iter().map(|(k, _)| *k).collect();
                format!("{field} must be one of {}", names.join(", "))
            }),
    }
}

impl PromptBuilder {
    /// Resolves the profile's defaults, the overrides and the templates (reading
    /// `prompt.system_path`/`developer_path` once). Fails as the reference's `Agent`
    /// constructor does on an unknown profile, mode or template.
    pub fn new(prompt: &PromptConfig, engine: &EngineConfig) -> Result<PromptBuilder, String> {
        let profile = prompt.profile.as_str();
        let (injection, render, history, tools) = match profile {
            "default_agent" => (
                InjectionMode::All,
                SkillRender::Body,
                true,
                ToolsExposure::All,
            ),
            "generation_direct" => (
                InjectionMode::ExplicitOnly,
                SkillRender::Body,
                false,
                ToolsExposure::None,
            ),
            "structured_transform" => (
                InjectionMode::ExplicitOnly,
                SkillRender::Summary,
                false,
                ToolsExposure::None,
            ),
            _ => {
                return Err(
                    "profile must be one of default_agent, generation_direct, structured_transform"
                        .into(),
                );
            }
        };
        let injection = choice(
            engine.skill_injection_mode.as_deref(),
            injection,
            &[
                ("all", InjectionMode::All),
                ("explicit_only", InjectionMode::ExplicitOnly),
                ("none", InjectionMode::None),
            ],
            "skill_injection_mode",
        )?;
        let render = choice(
            engine.skill_render.as_deref(),
            render,
            &[
                ("body", SkillRender::Body),
                ("method_only", SkillRender::MethodOnly),
                ("summary", SkillRender::Summary),
                ("none", SkillRender::None),
            ],
            "skill_render",
        )?;
        let history = choice(
            engine.history_mode.as_deref(),
            history,
            &[("none", false), ("compacted", true), ("full", true)],
            "history_mode",
        )?;
        let tools = choice(
            engine.tools_exposure.as_deref(),
            tools,
            &[
                ("none", ToolsExposure::None),
                ("explicit_only", ToolsExposure::ExplicitOnly),
                ("all", ToolsExposure::All),
            ],
            "tools_exposure",
        )?;

        let explicit = engine.system_text.is_some()
            || engine.developer_text.is_some()
            || engine.system_path.is_some()
            || engine.developer_path.is_some();
        let direct = matches!(profile, "generation_direct" | "structured_transform");
        let (system_template, developer_template) = if !explicit {
            let name = if direct && engine.template == "default" {
                profile
            } else {
                engine.template.as_str()
            };
            let (s, d) = builtin_template(name)
                .ok_or_else(|| format!("unknown prompt template `{name}` (prompt.template)"))?;
            (s.to_string(), d.to_string())
        } else {
            let read = |p: &std::path::Path| {
                std::fs::read_to_string(p)
                    .map_err(|e| format!("cannot read prompt template {}: {e}", p.display()))
            };
            let system = match (&engine.system_text, &engine.system_path) {
                (Some(t), _) => t.clone(),
                (None, Some(p)) => read(p)?,
                (None, None) => FALLBACK_SYSTEM.into(),
            };
            let developer = match (&engine.developer_text, &engine.developer_path) {
                (Some(t), _) => t.clone(),
                (None, Some(p)) => read(p)?,
                (None, None) if direct => String::new(),
                (None, None) => FALLBACK_DEVELOPER.into(),
            };
            (system, developer)
        };
        Ok(PromptBuilder {
            system_template,
            developer_template,
            include_skills_list: prompt.include_skills_list,
            injection,
            render,
            history,
            tools,
            max_messages: prompt.history_max_messages,
            max_chars: prompt.history_max_chars,
        })
    }

    /// The tools offered to the model (`prompt.tools.exposure`).
    pub fn filter_tools(&self, tools: &[ToolSpec], task: &str) -> Vec<ToolSpec> {
        match self.tools {
            ToolsExposure::All => tools.to_vec(),
            ToolsExposure::None => Vec::new(),
            ToolsExposure::ExplicitOnly => tools
                .iter()
                .filter(|t| names_tool(task, &t.name))
                .cloned()
                .collect(),
        }
    }

    /// Whether a skill mentioned in the task is injected at all.
    pub fn injects(&self) -> bool {
        self.injection != InjectionMode::None && self.render != SkillRender::None
    }

    /// The injected message for a skill whose raw SKILL.md text is `raw` (`Err`: why the body
    /// could not be read or is too large). Only `body` rendering fails on that error, as
    /// upstream; `method_only` falls back to the summary.
    pub fn render_skill<E>(
        &self,
        skill: &PromptSkill,
        raw: Result<String, E>,
    ) -> Result<Option<String>, E> {
        Ok(match self.render {
            SkillRender::None => None,
            SkillRender::Summary => Some(render_summary(skill)),
            SkillRender::Body => Some(render_body(skill, &raw?)),
            SkillRender::MethodOnly => Some(match raw {
                Ok(raw) => render_method_only(skill, &render_body(skill, &raw)),
                Err(_) => render_summary(skill),
            }),
        })
    }

    /// Whether skill bodies are read for injection (only `summary`/`none` skip them).
    pub fn reads_bodies(&self) -> bool {
        matches!(self.render, SkillRender::Body | SkillRender::MethodOnly)
    }

    /// The messages of one turn.
    pub fn build(
        &self,
        task: &str,
        cwd: &str,
        tools: &[ToolSpec],
        skills: &[PromptSkill],
        injected: &[String],
        history: &[Value],
    ) -> Vec<Value> {
        let skills_lines: Vec<String> = skills
            .iter()
            .map(|s| format!("- $[{}].{}: {}", s.namespace, s.name, s.description))
            .collect();
        let tools_text = tools
            .iter()
            .map(|t| format!("- {}", t.name))
            .collect::<Vec<_>>()
            .join("\n");
        let vars = [
            ("task", task.to_string()),
            ("cwd", cwd.to_string()),
            ("tools", tools_text),
            ("skills", skills_lines.join("\n")),
            ("constraints", String::new()),
        ];
        let render = |template: &str| {
            let mut out = template.to_string();
            for (k, v) in &vars {
                out = out.replace(&format!("{{{{{k}}}}}"), v);
            }
            out.trim_end_matches(is_python_space).to_string()
        };
        let system = render(&self.system_template);
        let developer = render(&self.developer_template);
        let system = if developer.is_empty() {
            system
        } else {
            format!("{system}\n\n[Developer Policy]\n{developer}\n")
        };
        let mut messages = Vec::with_capacity(3 + injected.len() + history.len());
        messages.push(json!({"role": "system", "content": system}));
        if self.include_skills_list {
            let mut lines = vec![SKILLS_LIST_HEADER.to_string()];
            lines.extend(skills_lines);
            messages.push(json!({"role": "user", "content": lines.join("\n")}));
        }
        for content in injected {
            messages.push(json!({"role": "user", "content": content}));
        }
        if self.history {
            messages.extend(
                trim_history(history, self.max_messages, self.max_chars)
                    .iter()
                    .cloned(),
            );
        }
        messages.push(json!({"role": "user", "content": task}));
        messages
    }
}

/// `(?<![\w.-])NAME(?![\w.-])` over the task text.
fn names_tool(text: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '.' || c == '-';
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

fn render_body(skill: &PromptSkill, raw: &str) -> String {
    [
        "<skill>",
        &format!("<name>{}</name>", skill.name),
        &format!("<path>{}</path>", skill.locator),
        raw,
        "</skill>",
    ]
    .join("\n")
}

fn render_summary(skill: &PromptSkill) -> String {
    [
        "Skill summary:".to_string(),
        format!("- mention: $[{}].{}", skill.namespace, skill.name),
        format!("- description: {}", skill.description),
        format!("- locator: {}", skill.locator),
    ]
    .join("\n")
}

/// The first `method|workflow|usage|how to|steps` section, else the summary.
fn render_method_only(skill: &PromptSkill, rendered: &str) -> String {
    let lines = python_splitlines(rendered);
    // `re.IGNORECASE` on ASCII keywords: matched against the ASCII-lowercased line.
    let heading = regex::Regex::new(r"^\s{0,3}#{1,6}\s+(method|workflow|usage|how to|steps)\b")
        .expect("valid regex");
    let any_heading = regex::Regex::new(r"^\s{0,3}#{1,6}\s+\S").expect("valid regex");
    let Some(start) = lines
        .iter()
        .position(|l| heading.is_match(&l.to_ascii_lowercase()))
    else {
        return render_summary(skill);
    };
    let mut selected: Vec<&str> = Vec::new();
    for line in &lines[start..] {
        if !selected.is_empty() && any_heading.is_match(line) {
            break;
        }
        selected.push(line);
    }
    let body = crate::text::python_strip(&selected.join("\n")).to_string();
    if body.is_empty() {
        return render_summary(skill);
    }
    [
        "<skill_method>".to_string(),
        format!("<name>{}</name>", skill.name),
        body,
        "</skill_method>".to_string(),
    ]
    .join("\n")
}

/// `P/prompts/history.py`: keep the last `max_messages`, then drop from the head until the
/// contents total at most `max_chars` characters (which can orphan `tool` messages — as
/// upstream).
pub(crate) fn trim_history(history: &[Value], max_messages: usize, max_chars: usize) -> &[Value] {
    if history.is_empty() || max_chars == 0 {
        return &[];
    }
    let mut kept = if max_messages > 0 {
        &history[history.len().saturating_sub(max_messages)..]
    } else {
        &[]
    };
    let mut total: usize = kept.iter().map(message_chars).sum();
    while !kept.is_empty() && total > max_chars {
        total -= message_chars(&kept[0]);
        kept = &kept[1..];
    }
    kept
}

/// Characters of a message's content (code points, as Python's `len`).
fn message_chars(m: &Value) -> usize {
    match m.get("content") {
        None | Some(Value::Null) => 0,
        Some(Value::String(s)) => s.chars().count(),
        Some(other) => other.to_string().chars().count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder(profile: &str) -> PromptBuilder {
        let mut p = crate::agent::config::RunConfig::default().prompt;
        p.profile = profile.into();
        p.include_skills_list = profile == "default_agent";
        PromptBuilder::new(&p, &EngineConfig::default()).unwrap()
    }

    fn skill() -> PromptSkill {
        PromptSkill {
            namespace: "web".into(),
            name: "article-writer".into(),
            description: "writes articles".into(),
            locator: "/ws/s/SKILL.md".into(),
        }
    }

    #[test]
    fn default_profile_messages_match_the_reference() {
        let b = builder("default_agent");
        let raw = "---\nname: article-writer\n---\n# Method\nWrite.\n".to_string();
        let injected = b.render_skill::<()>(&skill(), Ok(raw)).unwrap().unwrap();
        let m = b.build("do it", "/ws", &[], &[skill()], &[injected], &[]);
        assert_eq!(m.len(), 4);
        assert_eq!(
            m[0]["content"],
            "You are a general-purpose agent.\n\nYou can plan, use tools, and iterate to complete the user's task.\nWhen tools are available, prefer using them over guessing.\n\n[Developer Policy]\nFollow a spec-driven + TDD workflow:\n- When changing code, write or update a minimal spec first.\n- Add or update offline regression tests (no external keys/network required).\n- Make small, reversible changes; explain decisions and trade-offs.\n\nSafety:\n- Avoid destructive operations unless explicitly requested.\n- If an action is risky, ask for approval or ask the user.\n"
        );
        assert_eq!(
            m[1]["content"],
            "Available skills (mention via $[namespace].skill_name):\n- $[web].article-writer: writes articles"
        );
        assert_eq!(
            m[2]["content"],
            "<skill>\n<name>article-writer</name>\n<path>/ws/s/SKILL.md</path>\n---\nname: article-writer\n---\n# Method\nWrite.\n\n</skill>"
        );
        assert_eq!(m[3], json!({"role": "user", "content": "do it"}));
        // The list is present with no skills at all.
        let m = b.build("t", "/ws", &[], &[], &[], &[]);
        assert_eq!(m[1]["content"], SKILLS_LIST_HEADER);
    }

    #[test]
    fn direct_profiles_have_no_skills_list_history_or_tools() {
        let b = builder("generation_direct");
        let tool = ToolSpec {
            name: "file_read".into(),
            description: String::new(),
            parameters: json!({}),
        };
        assert!(b.filter_tools(&[tool], "use file_read").is_empty());
        let m = b.build(
            "t",
            "/ws",
            &[],
            &[skill()],
            &[],
            &[json!({"role": "assistant", "content": "x"})],
        );
        assert_eq!(m.len(), 2);
        assert_eq!(
            m[0]["content"],
            "You directly complete the user's generation task.\n\nFocus on the requested output, follow any explicit style and format constraints, and avoid tool-oriented planning unless the task explicitly asks for it."
        );
        let b = builder("structured_transform");
        assert_eq!(
            b.render_skill(&skill(), Err::<String, &str>("unreadable"))
                .unwrap()
                .unwrap(),
            "Skill summary:\n- mention: $[web].article-writer\n- description: writes articles\n- locator: /ws/s/SKILL.md"
        );
        let mut p = crate::agent::config::RunConfig::default().prompt;
        p.profile = "chatty".into();
        assert!(PromptBuilder::new(&p, &EngineConfig::default()).is_err());
    }

    #[test]
    fn explicit_tool_exposure_needs_the_name_as_a_word() {
        assert!(names_tool("please use file_read now", "file_read"));
        assert!(!names_tool("use file_read_all", "file_read"));
        assert!(!names_tool("x.file_read", "file_read"));
        assert!(names_tool("(file_read)", "file_read"));
    }

    #[test]
    fn templates_render_variables_in_order() {
        let e = EngineConfig {
            system_text: Some("T={{task}} C={{cwd}}\n{{tools}}  \n".into()),
            ..Default::default()
        };
        let b = PromptBuilder::new(&crate::agent::config::RunConfig::default().prompt, &e).unwrap();
        let tool = ToolSpec {
            name: "ls".into(),
            description: String::new(),
            parameters: json!({}),
        };
        let m = b.build("{{cwd}}", "/ws", &[tool], &[], &[], &[]);
        assert_eq!(
            m[0]["content"],
            "T=/ws C=/ws\n- ls\n\n[Developer Policy]\nFollow the spec-driven + TDD workflow.\n"
        );
    }

    #[test]
    fn method_only_keeps_the_first_method_section() {
        let e = EngineConfig {
            skill_render: Some("method_only".into()),
            ..Default::default()
        };
        let b = PromptBuilder::new(&crate::agent::config::RunConfig::default().prompt, &e).unwrap();
        let out = b
            .render_skill::<()>(
                &skill(),
                Ok("# Intro\nx\n## Steps\n1. a\n2. b\n# Other\ny\n".into()),
            )
            .unwrap()
            .unwrap();
        assert_eq!(
            out,
            "<skill_method>\n<name>article-writer</name>\n## Steps\n1. a\n2. b\n</skill_method>"
        );
    }

    #[test]
    fn history_trimming_keeps_the_tail_within_both_limits() {
        let h: Vec<Value> = (0..5)
            .map(|i| json!({"role": "user", "content": "x".repeat(i + 1)}))
            .collect();
        assert_eq!(trim_history(&h, 3, 1000).len(), 3);
        // Last three weigh 3+4+5 = 12 chars; a cap of 9 drops the "xxx".
        let kept = trim_history(&h, 3, 9);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0]["content"], "xxxx");
        assert!(trim_history(&h, 0, 10).is_empty());
        assert!(trim_history(&h, 3, 0).is_empty());
        let tool_calls = json!({"role": "assistant", "content": null, "tool_calls": []});
        assert_eq!(message_chars(&tool_calls), 0);
    }

    #[test]
    fn method_only_splits_lines_at_every_python_line_break() {
        let e = EngineConfig {
            skill_render: Some("method_only".into()),
            ..Default::default()
        };
        let b = PromptBuilder::new(&crate::agent::config::RunConfig::default().prompt, &e).unwrap();
        // `\r\n`, `\r` and U+2028 end lines as in `str.splitlines`; the kept lines are
        // joined with `\n`.
        let out = b
            .render_skill::<()>(
                &skill(),
                Ok("# Intro\r\n## Usage\r1. a\u{2028}2. b\r\n# Other\ny".into()),
            )
            .unwrap()
            .unwrap();
        assert_eq!(
            out,
            "<skill_method>\n<name>article-writer</name>\n## Usage\n1. a\n2. b\n</skill_method>"
        );
    }
}
