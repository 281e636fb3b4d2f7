//! Run settings (spec §1.1 defaults), read from the merged `runtime.yaml` overlays.
//!
//! Only what the engine, the tools and the backends act on; the full schema (and every finding
//! about it) lives in [`crate::config`].

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
    pub env_var_missing_policy: EnvVarMissingPolicy,
    pub injection_max_bytes: Option<u64>,
    pub bundle_max_bytes: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PromptConfig {
    pub profile: String,
    pub include_skills_list: bool,
    pub history_max_messages: usize,
    pub history_max_chars: usize,
}
