//! Skills in a run (spec §1.4): the list offered to the model, the task's mentions resolved
//! through the workspace's index, the SKILL.md text injected (respecting
//! `skills.injection.max_bytes`), and the env vars a skill declares in `agents/openai.yaml`
//! checked per `skills.env_var_missing_policy`.
//!
//! Divergence (recorded in `docs/agent-runs.md`): the reference stops at the first mention that
//! does not resolve and then injects nothing, silently. We resolve each mention on its own,
//! inject those that resolve, and report each one that does not with a
//! `skill_mention_unresolved` event carrying the reference's error code and our linter's message.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::agent::config::EnvVarMissingPolicy;
use crate::agent::events::kinds;
use crate::agent::prompt::PromptSkill;
use crate::agent::run::failure::RunFailure;
use crate::agent::tools::HumanIo;
use crate::check::Resolver;
use crate::config::WorkspaceConfig;
use crate::index::{IndexedSkill, SkillIndex};
use crate::rules::mentions::Resolution;

/// The skills of enabled spaces, as the reference's `list_skills` orders them (by name, space,
/// source, locator).
pub(crate) fn listed_skills(config: &WorkspaceConfig, index: &SkillIndex) -> Vec<PromptSkill> {
    let enabled: std::collections::HashSet<&str> = config
        .skills
        .spaces
        .iter()
        .filter(|s| s.enabled)
        .map(|s| s.id.as_str())
        .collect();
    let mut skills: Vec<&IndexedSkill> = index
        .skills
        .iter()
        .filter(|s| s.namespace.is_some())
        .filter(|s| s.space_id.as_deref().is_some_and(|id| enabled.contains(id)))
        .collect();
    skills.sort_by(|a, b| {
        (&a.name, &a.space_id, &a.source_id, &a.locator).cmp(&(
            &b.name,
            &b.space_id,
            &b.source_id,
            &b.locator,
        ))
    });
    skills.into_iter().map(prompt_skill).collect()
}

pub(crate) fn prompt_skill(s: &IndexedSkill) -> PromptSkill {
    PromptSkill {
        namespace: s.namespace.clone().unwrap_or_default(),
        name: s.name.clone(),
        description: s.description.clone(),
        locator: s.locator.to_string_lossy().into_owned(),
    }
}

/// A mention of the task that names an indexed skill.
#[derive(Debug, Clone)]
pub(crate) struct MentionedSkill {
    pub skill: IndexedSkill,
    pub mention_text: String,
    pub namespace: String,
    /// The SKILL.md with symlinks resolved (`skill.path` upstream).
    pub path: PathBuf,
    pub required_env_vars: Vec<String>,
}

impl MentionedSkill {
    pub fn path_text(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }

    /// The `skill_injected` payload, keys in the reference's order.
    pub fn injected_payload(&self) -> Map<String, Value> {
        let mut p = Map::new();
        p.insert("skill_name".into(), self.skill.name.clone().into());
        p.insert("skill_path".into(), self.path_text().into());
        p.insert("namespace".into(), self.namespace.clone().into());
        p.insert(
            "skill_locator".into(),
            self.skill.locator.to_string_lossy().into_owned().into(),
        );
        p.insert("source".into(), "mention".into());
        p.insert("mention_text".into(), self.mention_text.clone().into());
        if let Some(id) = self.skill.space_id.as_deref().filter(|s| !s.is_empty()) {
            p.insert("space_id".into(), id.into());
        }
        if let Some(id) = self.skill.source_id.as_deref().filter(|s| !s.is_empty()) {
            p.insert("source_id".into(), id.into());
        }
        p
    }
}

/// A mention of the task that names no skill the run can inject.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UnresolvedMention {
    pub mention_text: String,
    pub namespace: String,
    pub skill_name: String,
    /// The reference's error code (`SKILL_UNKNOWN`, `SKILL_SPACE_NOT_CONFIGURED`, or the scan
    /// error that blocks every mention).
    pub code: String,
    pub message: String,
    pub help: Option<String>,
}

impl UnresolvedMention {
    /// The `skill_mention_unresolved` payload.
    pub fn payload(&self) -> Map<String, Value> {
        let mut p = Map::new();
        p.insert("mention_text".into(), self.mention_text.clone().into());
        p.insert("namespace".into(), self.namespace.clone().into());
        p.insert("skill_name".into(), self.skill_name.clone().into());
        p.insert("code".into(), self.code.clone().into());
        p.insert("message".into(), self.message.clone().into());
        if let Some(h) = &self.help {
            p.insert("help".into(), h.clone().into());
        }
        p
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Mentioned {
    Skill(Box<MentionedSkill>),
    Unresolved(UnresolvedMention),
}

/// Resolves every mention of `task` (first occurrence of each, in order).
pub(crate) fn resolve_task(
    config: &WorkspaceConfig,
    index: &SkillIndex,
    task: &str,
) -> Vec<Mentioned> {
    let mentions = crate::mentions::extract(task.as_bytes());
    if mentions.is_empty() {
        return Vec::new();
    }
    let resolver = Resolver::new(config, index);
    let blocked = index.blocking_error();
    mentions
        .into_iter()
        .map(|m| {
            let mention_text = m.text();
            let unresolved = |code: &str, message: String, help: Option<String>| {
                Mentioned::Unresolved(UnresolvedMention {
                    mention_text: mention_text.clone(),
                    namespace: m.namespace.clone(),
                    skill_name: m.skill_name.clone(),
                    code: code.to_string(),
                    message,
                    help,
                })
            };
            let resolution = resolver.resolve(&m.namespace, &m.skill_name);
            if let (Resolution::Resolved, Some(e)) = (&resolution, blocked) {
                return unresolved(
                    e.code,
                    format!(
                        "`{mention_text}` is not injected: the skill scan reports {}: {}",
                        e.code, e.message
                    ),
                    None,
                );
            }
            match (&resolution, index.lookup(&m.namespace, &m.skill_name)) {
                (Resolution::Resolved, Some(skill)) => {
                    let path = skill
                        .locator
                        .canonicalize()
                        .unwrap_or_else(|_| skill.locator.clone());
                    let required_env_vars =
                        path.parent().map(required_env_vars).unwrap_or_default();
                    Mentioned::Skill(Box::new(MentionedSkill {
                        skill: skill.clone(),
                        mention_text,
                        namespace: m.namespace.clone(),
                        path,
                        required_env_vars,
                    }))
                }
                _ => {
                    let d = crate::rules::mentions::unresolved(
                        Path::new(""),
                        Default::default(),
                        &mention_text,
                        &m.namespace,
                        &resolution,
                    );
                    match d {
                        Some(d) => unresolved(
                            d.rule.runtime_code.unwrap_or("SKILL_UNKNOWN"),
                            d.message,
                            d.help,
                        ),
                        None => unresolved(
                            "SKILL_UNKNOWN",
                            format!("`{mention_text}` names no indexed skill (SKILL_UNKNOWN)"),
                            None,
                        ),
                    }
                }
            }
        })
        .collect()
}

/// `dependencies.tools[type=env_var].value` of `<skill_dir>/agents/openai.yaml`, de-duplicated
/// in order; an unreadable or malformed file declares nothing (the reference fails open).
pub(crate) fn required_env_vars(skill_dir: &Path) -> Vec<String> {
    let path = skill_dir.join("agents").join("openai.yaml");
    let Ok(bytes) = crate::analysis::read_regular(&path) else {
        return Vec::new();
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Vec::new();
    };
    let Ok(doc) = crate::yaml::parse(text, 0) else {
        return Vec::new();
    };
    let Some(root) = doc.root().filter(|r| doc.is_map(*r)) else {
        return Vec::new();
    };
    let Some(deps) = doc.get(root, "dependencies").map(|e| e.value) else {
        return Vec::new();
    };
    if !doc.is_map(deps) {
        return Vec::new();
    }
    let Some(tools) = doc.get(deps, "tools").and_then(|e| doc.items(e.value)) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for &item in tools {
        if !doc.is_map(item) {
            continue;
        }
        let is_env = doc
            .get(item, "type")
            .and_then(|e| doc.as_str(e.value))
            .is_some_and(|t| t == "env_var");
        if !is_env {
            continue;
        }
        if let Some(v) = doc
            .get(item, "value")
            .and_then(|e| doc.as_str(e.value))
            .filter(|v| !v.is_empty())
        {
            if !out.iter().any(|o| o == v) {
                out.push(v.to_string());
            }
        }
    }
    out
}

/// The SKILL.md text as the reference injects it: decoded as UTF-8 with universal newlines
/// (`Path.read_text`), then checked against `skills.injection.max_bytes`.
pub(crate) fn read_body(
    skill: &MentionedSkill,
    max_bytes: Option<u64>,
) -> Result<String, RunFailure> {
    let locator = skill.skill.locator.to_string_lossy().into_owned();
    let read_failed = |reason: String| {
        RunFailure::framework(
            "SKILL_BODY_READ_FAILED",
            "Skill body read failed.",
            json!({"skill_name": skill.skill.name, "locator": locator, "reason": reason}),
        )
    };
    let bytes =
        crate::analysis::read_regular(&skill.path).map_err(|e| read_failed(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|e| read_failed(e.to_string()))?;
    let text = universal_newlines(&text);
    if let Some(limit) = max_bytes {
        if text.len() as u64 > limit {
            return Err(RunFailure::framework(
                "SKILL_BODY_TOO_LARGE",
                "Skill body exceeds configured max bytes.",
                json!({"skill_name": skill.skill.name, "locator": locator,
                       "limit_bytes": limit, "actual_bytes": text.len()}),
            ));
        }
    }
    Ok(text)
}

/// `\r\n` and lone `\r` read as `\n`.
fn universal_newlines(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Where a required env var's value came from (`env_var_set.value_source`).
fn env_payload(skill: &MentionedSkill, env_var: &str) -> Map<String, Value> {
    let mut p = Map::new();
    p.insert("env_var".into(), env_var.into());
    p.insert("skill_name".into(), skill.skill.name.clone().into());
    p.insert("skill_path".into(), skill.path_text().into());
    p
}

fn policy_name(p: EnvVarMissingPolicy) -> &'static str {
    match p {
        EnvVarMissingPolicy::AskHuman => "ask_human",
        EnvVarMissingPolicy::FailFast => "fail_fast",
        EnvVarMissingPolicy::SkipSkill => "skip_skill",
    }
}

/// Makes sure a skill's required env vars have values (`P/core/skill_env.py`): the run's env
/// store first, then the process environment (copied into the store, so the value is redacted
/// from then on), then the policy. Returns whether the skill may be injected. Values never reach
/// an event: `env_var_set` names the variable only and no `human_response` is emitted.
pub(crate) async fn ensure_env_vars(
    skill: &MentionedSkill,
    policy: EnvVarMissingPolicy,
    env_store: &std::sync::Mutex<HashMap<String, String>>,
    process_env: &HashMap<String, String>,
    human: Option<&dyn HumanIo>,
    emit: &mut (dyn FnMut(&str, Map<String, Value>) + Send),
) -> Result<bool, RunFailure> {
    let policy_text = policy_name(policy);
    for env_var in &skill.required_env_vars {
        let env_var = crate::text::python_strip(env_var);
        if env_var.is_empty() {
            continue;
        }
        let stored = lock(env_store).get(env_var).is_some_and(|v| !v.is_empty());
        if stored {
            let mut p = env_payload(skill, env_var);
            p.insert("value_source".into(), "provided".into());
            emit(kinds::ENV_VAR_SET, p);
            continue;
        }
        if let Some(v) = process_env.get(env_var).filter(|v| !v.is_empty()) {
            lock(env_store).insert(env_var.to_string(), v.clone());
            let mut p = env_payload(skill, env_var);
            p.insert("value_source".into(), "process_env".into());
            emit(kinds::ENV_VAR_SET, p);
            continue;
        }
        let mut p = env_payload(skill, env_var);
        p.insert("source".into(), "skill_dependency".into());
        p.insert("policy".into(), policy_text.into());
        emit(kinds::ENV_VAR_REQUIRED, p);
        match policy {
            EnvVarMissingPolicy::SkipSkill => {
                let mut p = Map::new();
                p.insert("skill_name".into(), skill.skill.name.clone().into());
                p.insert("skill_path".into(), skill.path_text().into());
                p.insert("reason".into(), "missing_env_var".into());
                p.insert("missing_env_vars".into(), json!([env_var]));
                p.insert("policy".into(), policy_text.into());
                emit(kinds::SKILL_INJECTION_SKIPPED, p);
                return Ok(false);
            }
            EnvVarMissingPolicy::FailFast => {
                return Err(RunFailure::new(
                    "missing_env_var",
                    format!("missing required env var: {env_var}"),
                )
                .with_details(json!({"missing_env_vars": [env_var],
                    "skill_name": skill.skill.name, "skill_path": skill.path_text(),
                    "policy": policy_text})));
            }
            EnvVarMissingPolicy::AskHuman => {
                let Some(human) = human else {
                    return Err(RunFailure::config(format!(
                        "missing required env var (no HumanIOProvider): {env_var}"
                    )));
                };
                let call_id = format!("env_{env_var}_{}", uuid::Uuid::new_v4().simple());
                let question =
                    format!("请提供环境变量 {env_var} 的值（仅 session 内存使用，不落盘）。");
                let context = json!({"kind": "env_var", "env_var": env_var,
                    "skill": {"name": skill.skill.name, "path": skill.path_text()}});
                let mut p = Map::new();
                p.insert("call_id".into(), call_id.clone().into());
                p.insert("question".into(), question.clone().into());
                p.insert("choices".into(), Value::Null);
                p.insert("context".into(), context.clone());
                emit(kinds::HUMAN_REQUEST, p);
                let answer = human.ask(&call_id, &question, &[], &context).await;
                let Some(answer) = answer.filter(|a| !a.is_empty()) else {
                    return Err(RunFailure::config(format!(
                        "missing required env var: {env_var}"
                    )));
                };
                lock(env_store).insert(env_var.to_string(), answer);
                let mut p = env_payload(skill, env_var);
                p.insert("value_source".into(), "human".into());
                emit(kinds::ENV_VAR_SET, p);
            }
        }
    }
    Ok(true)
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "skills-agent-skills-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&d).unwrap();
        d.canonicalize().unwrap()
    }

    #[test]
    fn env_var_dependencies_are_read_like_the_loader() {
        let d = tempdir("envdeps");
        std::fs::create_dir_all(d.join("agents")).unwrap();
        std::fs::write(
            d.join("agents/openai.yaml"),
            "dependencies:\n  tools:\n    - {type: env_var, value: A}\n    - {type: mcp, value: B}\n    - {type: env_var, value: A}\n    - {type: env_var, value: C}\n    - nope\n",
        )
        .unwrap();
        assert_eq!(required_env_vars(&d), ["A", "C"]);
        std::fs::write(d.join("agents/openai.yaml"), "dependencies: [").unwrap();
        assert!(required_env_vars(&d).is_empty());
        assert!(required_env_vars(&d.join("missing")).is_empty());
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn newlines_are_read_universally() {
        assert_eq!(universal_newlines("a\r\nb\rc\n"), "a\nb\nc\n");
    }
}
