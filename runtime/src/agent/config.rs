//! Run settings (spec §1.1 defaults), read from the merged `runtime.yaml` overlays.
//!
//! Only what the engine, the tools and the backends act on; the full schema (and every finding
//! about it) lives in [`crate::config`].

use std::collections::HashMap;

use serde_json::Value;

use crate::config::WorkspaceConfig;

#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    pub max_steps: u64,
    /// `None`: no wall-time budget.
    pub max_wall_time_sec: Option<f64>,
    pub safety: SafetyConfig,
    pub sandbox: SandboxConfig,
    pub llm: LlmConfig,
    pub skills: SkillsRunConfig,
    pub prompt: PromptConfig,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SafetyMode {
    Allow,
    Ask,
    Deny,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SafetyConfig {
    pub mode: SafetyMode,
    /// Command prefixes (spec §4.4).
    pub allowlist: Vec<String>,
    pub denylist: Vec<String>,
    /// Custom-tool names.
    pub tool_allowlist: Vec<String>,
    pub tool_denylist: Vec<String>,
    pub approval_timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxPolicy {
    None,
    Restricted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OsSandboxMode {
    Auto,
    None,
    Seatbelt,
    Bubblewrap,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SandboxConfig {
    pub default_policy: SandboxPolicy,
    pub os_mode: OsSandboxMode,
    pub seatbelt_profile: String,
    pub bwrap_path: String,
    pub unshare_net: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RetryConfig {
    pub max_retries: u32,
    pub base_delay_sec: f64,
    pub cap_delay_sec: f64,
    pub jitter_ratio: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LlmConfig {
    pub base_url: String,
    pub api_key_env: String,
    pub timeout_sec: f64,
    pub retry: RetryConfig,
    pub executor_model: String,
    pub planner_model: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvVarMissingPolicy {
    AskHuman,
    FailFast,
    SkipSkill,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SkillsRunConfig {
    pub actions_enabled: bool,
    pub references_enabled: bool,
    /// `skills.references.allow_assets`.
    pub references_allow_assets: bool,
    /// `skills.references.default_max_bytes`: what `skill_ref_read` reads without `max_bytes`.
    pub references_default_max_bytes: u64,
    pub env_var_missing_policy: EnvVarMissingPolicy,
    pub injection_max_bytes: Option<u64>,
    pub bundle_max_bytes: u64,
    /// The namespaces of the enabled spaces of `skills.spaces`, which the skill tools resolve
    /// mentions against: a namespace outside them is `SKILL_SPACE_NOT_CONFIGURED`, a name not
    /// indexed inside them `SKILL_UNKNOWN`. Empty when no source is configured either, since the
    /// reference then reports every mention as not configured.
    pub configured_namespaces: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PromptConfig {
    pub profile: String,
    pub include_skills_list: bool,
    pub history_max_messages: usize,
    pub history_max_chars: usize,
}

impl Default for RunConfig {
    /// The reference's embedded `default.yaml` (spec §1.1).
    fn default() -> Self {
        RunConfig {
            max_steps: 40,
            max_wall_time_sec: Some(1800.0),
            safety: SafetyConfig {
                mode: SafetyMode::Ask,
                allowlist: Vec::new(),
                denylist: Vec::new(),
                tool_allowlist: Vec::new(),
                tool_denylist: Vec::new(),
                approval_timeout_ms: 60_000,
            },
            sandbox: SandboxConfig {
                default_policy: SandboxPolicy::None,
                os_mode: OsSandboxMode::Auto,
                seatbelt_profile: "(version 1) (allow default)".into(),
                bwrap_path: "bwrap".into(),
                unshare_net: true,
            },
            llm: LlmConfig {
                base_url: "https://api.openai.com/v1".into(),
                api_key_env: "OPENAI_API_KEY".into(),
                timeout_sec: 60.0,
                retry: RetryConfig {
                    max_retries: 3,
                    base_delay_sec: 0.5,
                    cap_delay_sec: 8.0,
                    jitter_ratio: 0.1,
                },
                executor_model: "gpt-4".into(),
                planner_model: "gpt-4".into(),
            },
            skills: SkillsRunConfig {
                actions_enabled: false,
                references_enabled: false,
                references_allow_assets: false,
                references_default_max_bytes: 64 * 1024,
                env_var_missing_policy: EnvVarMissingPolicy::AskHuman,
                injection_max_bytes: None,
                bundle_max_bytes: 1_048_576,
                configured_namespaces: Vec::new(),
            },
            prompt: PromptConfig {
                profile: "default_agent".into(),
                include_skills_list: true,
                history_max_messages: 40,
                history_max_chars: 120_000,
            },
        }
    }
}

/// Reads the merged overlay tree leniently: a missing or mistyped value keeps its default (the
/// configuration was validated by [`crate::config`]; a run never starts on one that does not
/// load, so mistyped values only reach here from callers that skip that check).
struct Tree<'a>(&'a Value);

impl<'a> Tree<'a> {
    fn get(&self, path: &str) -> Option<&'a Value> {
        path.split('.')
            .try_fold(self.0, |v, k| v.get(k))
            .filter(|v| !v.is_null())
    }

    fn str(&self, path: &str) -> Option<String> {
        self.get(path).and_then(Value::as_str).map(str::to_owned)
    }

    /// pydantic's lax `int`: integers, integral floats, numeric strings.
    fn int(&self, path: &str) -> Option<i64> {
        match self.get(path)? {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    fn uint(&self, path: &str) -> Option<u64> {
        self.int(path).and_then(|i| u64::try_from(i).ok())
    }

    fn float(&self, path: &str) -> Option<f64> {
        match self.get(path)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// pydantic's lax `bool`.
    fn bool(&self, path: &str) -> Option<bool> {
        match self.get(path)? {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => match n.as_i64() {
                Some(0) => Some(false),
                Some(1) => Some(true),
                _ => None,
            },
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "yes" | "true" | "on" | "1" | "t" | "y" => Some(true),
                "no" | "false" | "off" | "0" | "f" | "n" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    fn strings(&self, path: &str) -> Option<Vec<String>> {
        Some(
            self.get(path)?
                .as_array()?
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        )
    }

    /// A lowercase, trimmed choice (the reference normalizes these before matching).
    fn choice(&self, path: &str) -> Option<String> {
        self.str(path).map(|s| s.trim().to_ascii_lowercase())
    }
}

/// `env[key]`, trimmed, if non-empty.
fn env_nonempty<'e>(env: &'e HashMap<String, String>, key: &str) -> Option<&'e str> {
    env.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

impl RunConfig {
    /// The run settings of a loaded workspace configuration: the reference's defaults, the
    /// merged overlays on top, then the `SKILLS_RUNTIME_SDK_{PLANNER_MODEL,EXECUTOR_MODEL,
    /// LLM_BASE_URL,LLM_API_KEY_ENV}` overrides from the environment (`.env` included).
    pub fn from_workspace(ws: &WorkspaceConfig) -> RunConfig {
        let t = Tree(&ws.merged);
        let mut c = RunConfig::default();
        if let Some(v) = t.uint("run.max_steps") {
            c.max_steps = v;
        }
        match t.0.get("run").and_then(|r| r.get("max_wall_time_sec")) {
            Some(Value::Null) => c.max_wall_time_sec = None,
            Some(_) => {
                if let Some(v) = t.float("run.max_wall_time_sec") {
                    c.max_wall_time_sec = Some(v);
                }
            }
            None => {}
        }

        let s = &mut c.safety;
        match t.choice("safety.mode").as_deref() {
            Some("allow") => s.mode = SafetyMode::Allow,
            Some("deny") => s.mode = SafetyMode::Deny,
            Some("ask") => s.mode = SafetyMode::Ask,
            _ => {}
        }
        if let Some(v) = t.strings("safety.allowlist") {
            s.allowlist = v;
        }
        if let Some(v) = t.strings("safety.denylist") {
            s.denylist = v;
        }
        if let Some(v) = t.strings("safety.tool_allowlist") {
            s.tool_allowlist = v;
        }
        if let Some(v) = t.strings("safety.tool_denylist") {
            s.tool_denylist = v;
        }
        if let Some(v) = t.uint("safety.approval_timeout_ms").filter(|v| *v > 0) {
            s.approval_timeout_ms = v;
        }

        let sb = &mut c.sandbox;
        // `sandbox.profile` fills only the fields the overlays leave unset (spec §5).
        let profile = t.choice("sandbox.profile").unwrap_or_else(|| "dev".into());
        if matches!(profile.as_str(), "balanced" | "prod") {
            sb.default_policy = SandboxPolicy::Restricted;
        }
        if profile == "prod" && t.get("sandbox.os.seatbelt.profile").is_none() {
            sb.seatbelt_profile = PROD_SEATBELT_PROFILE.into();
        }
        match t.choice("sandbox.default_policy").as_deref() {
            Some("none") => sb.default_policy = SandboxPolicy::None,
            Some("restricted") => sb.default_policy = SandboxPolicy::Restricted,
            _ => {}
        }
        match t.choice("sandbox.os.mode").as_deref() {
            Some("auto") => sb.os_mode = OsSandboxMode::Auto,
            Some("none") => sb.os_mode = OsSandboxMode::None,
            Some("seatbelt") => sb.os_mode = OsSandboxMode::Seatbelt,
            Some("bubblewrap") => sb.os_mode = OsSandboxMode::Bubblewrap,
            _ => {}
        }
        if let Some(v) = t.str("sandbox.os.seatbelt.profile") {
            sb.seatbelt_profile = v;
        }
        if let Some(v) = t.str("sandbox.os.bubblewrap.bwrap_path") {
            sb.bwrap_path = v;
        }
        if let Some(v) = t.bool("sandbox.os.bubblewrap.unshare_net") {
            sb.unshare_net = v;
        }

        let l = &mut c.llm;
        if let Some(v) = t.str("llm.base_url") {
            l.base_url = v;
        }
        if let Some(v) = t.str("llm.api_key_env") {
            l.api_key_env = v;
        }
        if let Some(v) = t.float("llm.timeout_sec") {
            l.timeout_sec = v;
        }
        if let Some(v) = t.int("llm.retry.max_retries") {
            l.retry.max_retries = v.clamp(0, u32::MAX as i64) as u32;
        }
        if let Some(v) = t.float("llm.retry.base_delay_sec") {
            l.retry.base_delay_sec = v;
        }
        if let Some(v) = t.float("llm.retry.cap_delay_sec") {
            l.retry.cap_delay_sec = v;
        }
        if let Some(v) = t.float("llm.retry.jitter_ratio") {
            l.retry.jitter_ratio = v;
        }
        if let Some(v) = t.str("models.executor") {
            l.executor_model = v;
        }
        if let Some(v) = t.str("models.planner") {
            l.planner_model = v;
        }
        let env = &ws.env;
        if let Some(v) = env_nonempty(env, "SKILLS_RUNTIME_SDK_PLANNER_MODEL") {
            l.planner_model = v.into();
        }
        if let Some(v) = env_nonempty(env, "SKILLS_RUNTIME_SDK_EXECUTOR_MODEL") {
            l.executor_model = v.into();
        }
        if let Some(v) = env_nonempty(env, "SKILLS_RUNTIME_SDK_LLM_BASE_URL") {
            l.base_url = v.into();
        }
        if let Some(v) = env_nonempty(env, "SKILLS_RUNTIME_SDK_LLM_API_KEY_ENV") {
            l.api_key_env = v.into();
        }

        let k = &mut c.skills;
        k.actions_enabled = ws.skills.actions_enabled;
        k.references_enabled = ws.skills.references_enabled;
        k.injection_max_bytes = ws.skills.injection_max_bytes;
        if let Some(v) = t.bool("skills.references.allow_assets") {
            k.references_allow_assets = v;
        }
        // `ge=1` upstream: a smaller value does not load there, so it is not taken here.
        if let Some(v) = t
            .uint("skills.references.default_max_bytes")
            .filter(|&v| v >= 1)
        {
            k.references_default_max_bytes = v;
        }
        match t.choice("skills.env_var_missing_policy").as_deref() {
            Some("fail_fast") => k.env_var_missing_policy = EnvVarMissingPolicy::FailFast,
            Some("skip_skill") => k.env_var_missing_policy = EnvVarMissingPolicy::SkipSkill,
            Some("ask_human") => k.env_var_missing_policy = EnvVarMissingPolicy::AskHuman,
            _ => {}
        }
        if let Some(v) = t.uint("skills.bundles.max_bytes") {
            k.bundle_max_bytes = v;
        }
        if !ws.skills.sources.is_empty() {
            k.configured_namespaces = ws
                .skills
                .spaces
                .iter()
                .filter(|s| s.enabled)
                .map(|s| s.namespace.clone())
                .collect();
        }

        let p = &mut c.prompt;
        if let Some(v) = t.str("prompt.profile") {
            p.profile = v;
        }
        p.include_skills_list = t
            .bool("prompt.include_skills_list")
            .unwrap_or(p.profile == "default_agent");
        if let Some(v) = t.uint("prompt.history.max_messages") {
            p.history_max_messages = v as usize;
        }
        if let Some(v) = t.uint("prompt.history.max_chars") {
            p.history_max_chars = v as usize;
        }
        c
    }
}

/// The seatbelt profile `sandbox.profile: prod` sets (denies `/etc` reads and writes).
pub const PROD_SEATBELT_PROFILE: &str = "(version 1)\n(allow default)\n; prod baseline: visible deny under /etc (adjust via overlay if needed)\n(deny file-read* (subpath \"/etc\"))\n(deny file-write* (subpath \"/etc\"))\n";

/// Settings only the engine reads (prompt templates, resume, context recovery), kept apart from
/// [`RunConfig`], which the tools and backends share.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// `prompt.template` (built-in templates: `default`, `generation_direct`,
    /// `structured_transform`).
    pub template: String,
    pub system_text: Option<String>,
    pub developer_text: Option<String>,
    /// Resolved against the workspace root.
    pub system_path: Option<std::path::PathBuf>,
    pub developer_path: Option<std::path::PathBuf>,
    /// `prompt.skill_injection.mode` (`all`, `explicit_only`, `none`), `None`: the profile's.
    pub skill_injection_mode: Option<String>,
    /// `prompt.skill_injection.render` (`body`, `method_only`, `summary`, `none`).
    pub skill_render: Option<String>,
    /// `prompt.history.mode` (`none`, `compacted`, `full`).
    pub history_mode: Option<String>,
    /// `prompt.tools.exposure` (`none`, `explicit_only`, `all`).
    pub tools_exposure: Option<String>,
    /// `run.resume_strategy` (`summary`, `replay`).
    pub resume_strategy: String,
    /// `run.context_recovery.mode` (`fail_fast`, `compact_first`, `ask_first`).
    pub context_recovery_mode: String,
    pub human_timeout_ms: Option<u64>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            template: "default".into(),
            system_text: None,
            developer_text: None,
            system_path: None,
            developer_path: None,
            skill_injection_mode: None,
            skill_render: None,
            history_mode: None,
            tools_exposure: None,
            resume_strategy: "summary".into(),
            context_recovery_mode: "fail_fast".into(),
            human_timeout_ms: None,
        }
    }
}

impl EngineConfig {
    pub fn from_workspace(ws: &WorkspaceConfig) -> EngineConfig {
        let t = Tree(&ws.merged);
        let root = &ws.workspace_root;
        let path = |k: &str| {
            t.str(k).map(|p| {
                let p = std::path::PathBuf::from(p);
                if p.is_absolute() { p } else { root.join(p) }
            })
        };
        let d = EngineConfig::default();
        EngineConfig {
            template: t.str("prompt.template").unwrap_or(d.template),
            system_text: t.str("prompt.system_text"),
            developer_text: t.str("prompt.developer_text"),
            system_path: path("prompt.system_path"),
            developer_path: path("prompt.developer_path"),
            skill_injection_mode: t.str("prompt.skill_injection.mode"),
            skill_render: t.str("prompt.skill_injection.render"),
            history_mode: t.str("prompt.history.mode"),
            tools_exposure: t.str("prompt.tools.exposure"),
            resume_strategy: t.choice("run.resume_strategy").unwrap_or(d.resume_strategy),
            context_recovery_mode: t
                .choice("run.context_recovery.mode")
                .unwrap_or(d.context_recovery_mode),
            human_timeout_ms: t.uint("run.human_timeout_ms"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Origin, load_texts};

    fn ws(yaml: &str) -> WorkspaceConfig {
        load_texts(
            "/ws".into(),
            vec![(
                "/ws/config/runtime.yaml".into(),
                Origin::Discovered,
                yaml.into(),
            )],
        )
    }

    #[test]
    fn defaults_are_the_reference_default_yaml() {
        let c = RunConfig::from_workspace(&ws("{}"));
        assert_eq!(c, RunConfig::default());
        assert_eq!(c.max_wall_time_sec, Some(1800.0));
        assert_eq!(c.safety.mode, SafetyMode::Ask);
    }

    #[test]
    fn overlays_and_env_overrides_apply() {
        let mut w = ws("run: {max_steps: 3, max_wall_time_sec: 1}\n\
             safety: {mode: allow, allowlist: [git status], approval_timeout_ms: 50}\n\
             sandbox: {profile: balanced, os: {mode: none}}\n\
             models: {executor: m1}\n\
             prompt: {profile: generation_direct, history: {max_messages: 4}}\n\
             skills: {env_var_missing_policy: skip_skill, references: {default_max_bytes: 10}}\n");
        assert!(w.loads, "{:?}", w.diagnostics);
        w.env.insert(
            "SKILLS_RUNTIME_SDK_LLM_BASE_URL".into(),
            " http://x ".into(),
        );
        let c = RunConfig::from_workspace(&w);
        assert_eq!(c.max_steps, 3);
        assert_eq!(c.max_wall_time_sec, Some(1.0));
        assert_eq!(c.safety.mode, SafetyMode::Allow);
        assert_eq!(c.safety.allowlist, ["git status"]);
        assert_eq!(c.safety.approval_timeout_ms, 50);
        assert_eq!(c.sandbox.default_policy, SandboxPolicy::Restricted);
        assert_eq!(c.sandbox.os_mode, OsSandboxMode::None);
        assert_eq!(c.llm.executor_model, "m1");
        assert_eq!(c.llm.base_url, "http://x");
        assert!(!c.prompt.include_skills_list);
        assert_eq!(c.prompt.history_max_messages, 4);
        assert_eq!(
            c.skills.env_var_missing_policy,
            EnvVarMissingPolicy::SkipSkill
        );
        assert_eq!(c.skills.references_default_max_bytes, 10);
    }

    #[test]
    fn configured_namespaces_are_the_enabled_spaces_when_a_source_exists() {
        let spaces = "skills:\n  spaces:\n    - {id: a, namespace: web, sources: [fs]}\n    - {id: b, namespace: off, sources: [fs], enabled: false}\n";
        let c = RunConfig::from_workspace(&ws(&format!(
            "{spaces}  sources:\n    - {{id: fs, type: filesystem, options: {{root: skills}}}}\n"
        )));
        assert_eq!(c.skills.configured_namespaces, ["web"]);
        // No source: the reference reports every mention as not configured.
        let c = RunConfig::from_workspace(&ws(spaces));
        assert!(c.skills.configured_namespaces.is_empty());
    }

    #[test]
    fn null_wall_time_means_no_budget() {
        let c = RunConfig::from_workspace(&ws("run: {max_wall_time_sec: null}\n"));
        assert_eq!(c.max_wall_time_sec, None);
    }
}
