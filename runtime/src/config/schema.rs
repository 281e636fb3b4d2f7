//! The `runtime.yaml` schema: every section, key, type and constraint of the reference's
//! pydantic models (`extra="forbid"` at every level), with defaults and a sentence on what
//! the runtime does with each key (used for hover and completion too).

/// A key's type, with pydantic's strict/lax distinction where the reference uses it.
#[derive(Debug)]
pub enum Ty {
    Model(&'static Model),
    Str,
    /// `int` (lax: `"10"` and `10.0` accepted) or `StrictInt` (only real integers).
    Int {
        strict: bool,
        min: Option<i64>,
    },
    Float {
        min: f64,
        max: Option<f64>,
    },
    /// `bool` (lax: `"yes"`, `"on"`, `1` accepted) or `StrictBool`.
    Bool {
        strict: bool,
    },
    Literal(&'static [&'static str]),
    Optional(&'static Ty),
    ListOf(&'static Ty),
    /// `Dict[str, Any]`.
    DictAny,
    /// A namespace string (`spaces[].namespace`), validated by the namespace regex.
    Namespace,
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    /// Must be present (and is not supplied by the embedded defaults).
    pub required: bool,
    pub default: &'static str,
    pub doc: &'static str,
}

#[derive(Debug)]
pub struct Model {
    /// Dotted path of the section, for messages (`skills.scan`).
    pub path: &'static str,
    pub fields: &'static [Field],
    /// Keys rejected with a dedicated message (`account`, `domain` on spaces).
    pub legacy: &'static [&'static str],
}

impl Model {
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

macro_rules! f {
    ($name:literal, $ty:expr, $default:literal, $doc:literal) => {
        Field {
            name: $name,
            ty: $ty,
            required: false,
            default: $default,
            doc: $doc,
        }
    };
    (required $name:literal, $ty:expr, $doc:literal) => {
        Field {
            name: $name,
            ty: $ty,
            required: true,
            default: "",
            doc: $doc,
        }
    };
}

const fn int(min: i64) -> Ty {
    Ty::Int {
        strict: false,
        min: Some(min),
    }
}
const fn strict_int(min: i64) -> Ty {
    Ty::Int {
        strict: true,
        min: Some(min),
    }
}
const BOOL: Ty = Ty::Bool { strict: false };

pub static ROOT: Model = Model {
    path: "",
    legacy: &[],
    fields: &[
        f!(
            "config_version",
            int(1),
            "1",
            "Config format version; integer ≥ 1."
        ),
        f!("run", Ty::Model(&RUN), "", "Agent run limits and recovery."),
        f!(
            "safety",
            Ty::Model(&SAFETY),
            "",
            "Guard, policy and approvals for tool calls."
        ),
        f!(
            "llm",
            Ty::Model(&LLM),
            "",
            "The OpenAI-compatible LLM endpoint."
        ),
        f!(
            "models",
            Ty::Model(&MODELS),
            "",
            "Model names for the planner and executor."
        ),
        f!(
            "sandbox",
            Ty::Model(&SANDBOX),
            "",
            "OS sandbox for shell tools."
        ),
        f!(
            "skills",
            Ty::Model(&SKILLS),
            "",
            "Skill spaces, sources, scanning and injection."
        ),
        f!("prompt", Ty::Model(&PROMPT), "", "Prompt assembly."),
    ],
};

pub static RUN: Model = Model {
    path: "run",
    legacy: &[],
    fields: &[
        f!("max_steps", int(1), "40", "Maximum agent steps per run."),
        f!(
            "max_wall_time_sec",
            Ty::Optional(&int(1)),
            "1800",
            "Wall-clock limit of a run in seconds (null: none)."
        ),
        f!(
            "human_timeout_ms",
            Ty::Optional(&int(1)),
            "null",
            "How long to wait for a human answer (null: forever)."
        ),
        f!(
            "resume_strategy",
            Ty::Literal(&["summary", "replay"]),
            "summary",
            "How a resumed run rebuilds its history."
        ),
        f!(
            "context_recovery",
            Ty::Model(&CONTEXT_RECOVERY),
            "",
            "What to do when the context window overflows."
        ),
    ],
};

pub static CONTEXT_RECOVERY: Model = Model {
    path: "run.context_recovery",
    legacy: &[],
    fields: &[
        f!(
            "mode",
            Ty::Literal(&["compact_first", "ask_first", "fail_fast"]),
            "fail_fast",
            "Strategy on context_length_exceeded."
        ),
        f!(
            "max_compactions_per_run",
            int(0),
            "2",
            "Compactions allowed per run."
        ),
        f!(
            "ask_first_fallback_mode",
            Ty::Literal(&["compact_first", "fail_fast"]),
            "compact_first",
            "Fallback when nobody answers in ask_first mode."
        ),
        f!(
            "compaction_history_max_chars",
            int(1000),
            "24000",
            "History characters kept when compacting (≥ 1000)."
        ),
        f!(
            "compaction_keep_last_messages",
            int(0),
            "6",
            "Messages kept verbatim when compacting."
        ),
        f!(
            "increase_budget_extra_steps",
            int(0),
            "20",
            "Extra steps granted when the budget is raised."
        ),
        f!(
            "increase_budget_extra_wall_time_sec",
            int(0),
            "600",
            "Extra seconds granted when the budget is raised."
        ),
    ],
};

pub static SAFETY: Model = Model {
    path: "safety",
    legacy: &[],
    fields: &[
        f!(
            "mode",
            Ty::Literal(&["allow", "ask", "deny"]),
            "ask",
            "Default decision for risky tool calls."
        ),
        f!(
            "allowlist",
            Ty::ListOf(&Ty::Str),
            "[]",
            "Command prefixes always allowed."
        ),
        f!(
            "denylist",
            Ty::ListOf(&Ty::Str),
            "[]",
            "Command prefixes always denied."
        ),
        f!(
            "tool_allowlist",
            Ty::ListOf(&Ty::Str),
            "[]",
            "Tool names always allowed."
        ),
        f!(
            "tool_denylist",
            Ty::ListOf(&Ty::Str),
            "[]",
            "Tool names always denied."
        ),
        f!(
            "approval_timeout_ms",
            int(1),
            "60000",
            "Time to wait for an approval; a timeout counts as denial."
        ),
    ],
};

pub static LLM: Model = Model {
    path: "llm",
    legacy: &[],
    fields: &[
        f!(
            "base_url",
            Ty::Str,
            "https://api.openai.com/v1",
            "Base URL of the chat-completions API."
        ),
        f!(
            "api_key_env",
            Ty::Str,
            "OPENAI_API_KEY",
            "Name of the environment variable holding the API key."
        ),
        f!("timeout_sec", int(1), "60", "Request timeout in seconds."),
        f!(
            "retry",
            Ty::Model(&LLM_RETRY),
            "",
            "Retry and backoff policy."
        ),
    ],
};

pub static LLM_RETRY: Model = Model {
    path: "llm.retry",
    legacy: &[],
    fields: &[
        f!(
            "max_retries",
            int(0),
            "3",
            "Retries after a retryable failure."
        ),
        f!(
            "base_delay_sec",
            Ty::Float {
                min: 0.0,
                max: None
            },
            "0.5",
            "First backoff delay."
        ),
        f!(
            "cap_delay_sec",
            Ty::Float {
                min: 0.0,
                max: None
            },
            "8.0",
            "Largest backoff delay."
        ),
        f!(
            "jitter_ratio",
            Ty::Float {
                min: 0.0,
                max: Some(1.0)
            },
            "0.1",
            "Random jitter as a fraction of the delay (0..1)."
        ),
    ],
};

pub static MODELS: Model = Model {
    path: "models",
    legacy: &[],
    fields: &[
        f!("planner", Ty::Str, "gpt-4", "Model used for planning."),
        f!("executor", Ty::Str, "gpt-4", "Model used for execution."),
    ],
};

pub static SANDBOX: Model = Model {
    path: "sandbox",
    legacy: &[],
    fields: &[
        f!(
            "profile",
            Ty::Literal(&["dev", "balanced", "prod"]),
            "dev",
            "Preset: dev (no sandbox), balanced and prod (restricted by default)."
        ),
        f!(
            "default_policy",
            Ty::Literal(&["none", "restricted"]),
            "none",
            "Sandbox policy for shell tools."
        ),
        f!(
            "os",
            Ty::Model(&SANDBOX_OS),
            "",
            "OS sandbox adapter settings."
        ),
    ],
};

pub static SANDBOX_OS: Model = Model {
    path: "sandbox.os",
    legacy: &[],
    fields: &[
        f!(
            "mode",
            Ty::Literal(&["auto", "none", "seatbelt", "bubblewrap"]),
            "auto",
            "Which adapter runs restricted commands."
        ),
        f!(
            "seatbelt",
            Ty::Model(&SEATBELT),
            "",
            "macOS seatbelt settings."
        ),
        f!(
            "bubblewrap",
            Ty::Model(&BUBBLEWRAP),
            "",
            "Linux bubblewrap settings."
        ),
    ],
};

pub static SEATBELT: Model = Model {
    path: "sandbox.os.seatbelt",
    legacy: &[],
    fields: &[f!(
        "profile",
        Ty::Str,
        "(version 1) (allow default)",
        "The seatbelt profile text."
    )],
};

pub static BUBBLEWRAP: Model = Model {
    path: "sandbox.os.bubblewrap",
    legacy: &[],
    fields: &[
        f!(
            "bwrap_path",
            Ty::Str,
            "bwrap",
            "Path of the bwrap executable."
        ),
        f!(
            "unshare_net",
            BOOL,
            "true",
            "Cut network access inside the sandbox."
        ),
    ],
};

pub static SKILLS: Model = Model {
    path: "skills",
    legacy: &[],
    fields: &[
        f!(
            "env_var_missing_policy",
            Ty::Literal(&["fail_fast", "ask_human", "skip_skill"]),
            "ask_human",
            "What happens at injection when a skill's required env vars are missing."
        ),
        f!(
            "versioning",
            Ty::Model(&VERSIONING),
            "",
            "Placeholder; has no runtime effect."
        ),
        f!(
            "strictness",
            Ty::Model(&STRICTNESS),
            "",
            "Accepted but never read by the runtime."
        ),
        f!(
            "spaces",
            Ty::ListOf(&Ty::Model(&SPACE)),
            "[]",
            "Namespaces and the sources they scan. Later overlays replace the whole list."
        ),
        f!(
            "sources",
            Ty::ListOf(&Ty::Model(&SOURCE)),
            "[]",
            "Where skills are read from. Later overlays replace the whole list."
        ),
        f!(
            "scan",
            Ty::Model(&SCAN),
            "",
            "How filesystem sources are walked."
        ),
        f!(
            "injection",
            Ty::Model(&INJECTION),
            "",
            "Limits on injecting skills into prompts."
        ),
        f!(
            "bundles",
            Ty::Model(&BUNDLES),
            "",
            "Redis bundle budgets and cache."
        ),
        f!("actions", Ty::Model(&ACTIONS), "", "The `skill_exec` tool."),
        f!(
            "references",
            Ty::Model(&REFERENCES),
            "",
            "The `skill_ref_read` tool."
        ),
    ],
};

pub static VERSIONING: Model = Model {
    path: "skills.versioning",
    legacy: &[],
    fields: &[
        f!(
            "enabled",
            Ty::Bool { strict: true },
            "false",
            "Placeholder; any non-default value gives a preflight warning."
        ),
        f!(
            "strategy",
            Ty::Str,
            "\"\"",
            "Placeholder; any non-empty value gives a preflight warning."
        ),
    ],
};

pub static STRICTNESS: Model = Model {
    path: "skills.strictness",
    legacy: &[],
    fields: &[
        f!(
            "unknown_mention",
            Ty::Str,
            "error",
            "Never read by the runtime."
        ),
        f!(
            "duplicate_name",
            Ty::Str,
            "error",
            "Never read by the runtime."
        ),
        f!(
            "mention_format",
            Ty::Str,
            "strict",
            "Never read by the runtime."
        ),
    ],
};

pub static SPACE: Model = Model {
    path: "skills.spaces[]",
    legacy: &["account", "domain"],
    fields: &[
        f!(required "id", Ty::Str, "Space id (unique)."),
        f!(required "namespace", Ty::Namespace, "The namespace mentions use: `$[<namespace>].skill`. 1–7 `:`-separated lowercase segments."),
        f!(
            "sources",
            Ty::ListOf(&Ty::Str),
            "[]",
            "Ids of `skills.sources[]` entries, scanned in this order."
        ),
        f!(
            "enabled",
            BOOL,
            "true",
            "A disabled space is not scanned and its mentions do not resolve."
        ),
    ],
};

pub static SOURCE: Model = Model {
    path: "skills.sources[]",
    legacy: &[],
    fields: &[
        f!(required "id", Ty::Str, "Source id, referenced from `spaces[].sources`."),
        f!(required "type", Ty::Str, "`filesystem`, `in-memory`, `redis` or `pgsql`."),
        f!(
            "options",
            Ty::DictAny,
            "{}",
            "Type-specific options: `root` (filesystem), `namespace` (in-memory), `dsn_env` + `key_prefix` (redis), `dsn_env` + `schema` + `table` (pgsql)."
        ),
    ],
};

pub static SCAN: Model = Model {
    path: "skills.scan",
    legacy: &[],
    fields: &[
        f!(
            "ignore_dot_entries",
            Ty::Bool { strict: true },
            "true",
            "Skip files and directories whose name starts with `.`."
        ),
        f!(
            "max_depth",
            strict_int(0),
            "99",
            "Deepest directory level listed below a root (0: only `root/SKILL.md`)."
        ),
        f!(
            "max_dirs_per_root",
            strict_int(0),
            "100000",
            "Directories visited per root before the scan of that root stops with an error (0: unlimited)."
        ),
        f!(
            "max_frontmatter_bytes",
            strict_int(1),
            "65536",
            "Byte cap on a SKILL.md frontmatter, both `---` lines included."
        ),
        f!(
            "refresh_policy",
            Ty::Literal(&["always", "ttl", "manual"]),
            "always",
            "When the index is rebuilt."
        ),
        f!(
            "ttl_sec",
            strict_int(1),
            "300",
            "Cache lifetime for `refresh_policy: ttl`."
        ),
    ],
};

pub static INJECTION: Model = Model {
    path: "skills.injection",
    legacy: &[],
    fields: &[f!(
        "max_bytes",
        Ty::Optional(&int(1)),
        "null",
        "Largest SKILL.md (whole file) that may be injected; null: unlimited."
    )],
};

pub static BUNDLES: Model = Model {
    path: "skills.bundles",
    legacy: &[],
    fields: &[
        f!(
            "max_bytes",
            strict_int(1),
            "1048576",
            "Largest redis bundle zip."
        ),
        f!(
            "cache_dir",
            Ty::Str,
            ".skills_runtime_sdk/bundles",
            "Where bundles are extracted (relative to the workspace root)."
        ),
        f!(
            "max_extracted_bytes",
            Ty::Optional(&strict_int(1)),
            "null",
            "Extraction budget (null: 16 × max_bytes)."
        ),
        f!(
            "max_files",
            Ty::Optional(&strict_int(1)),
            "null",
            "Files per bundle (null: 4096)."
        ),
        f!(
            "max_single_file_bytes",
            Ty::Optional(&strict_int(1)),
            "null",
            "Largest file in a bundle (null: 8 × max_bytes)."
        ),
    ],
};

pub static ACTIONS: Model = Model {
    path: "skills.actions",
    legacy: &[],
    fields: &[f!(
        "enabled",
        BOOL,
        "false",
        "Allow the `skill_exec` tool to run frontmatter actions."
    )],
};

pub static REFERENCES: Model = Model {
    path: "skills.references",
    legacy: &[],
    fields: &[
        f!("enabled", BOOL, "false", "Allow the `skill_ref_read` tool."),
        f!(
            "allow_assets",
            BOOL,
            "false",
            "Also allow reading `assets/` (filesystem sources only)."
        ),
        f!(
            "default_max_bytes",
            int(1),
            "65536",
            "Default read size of `skill_ref_read`."
        ),
    ],
};

pub static PROMPT: Model = Model {
    path: "prompt",
    legacy: &[],
    fields: &[
        f!(
            "profile",
            Ty::Literal(&["default_agent", "generation_direct", "structured_transform"]),
            "default_agent",
            "Prompt profile; sets defaults for the null keys below."
        ),
        f!("template", Ty::Str, "default", "Prompt template name."),
        f!(
            "system_text",
            Ty::Optional(&Ty::Str),
            "null",
            "Extra system prompt text."
        ),
        f!(
            "developer_text",
            Ty::Optional(&Ty::Str),
            "null",
            "Extra developer prompt text."
        ),
        f!(
            "system_path",
            Ty::Optional(&Ty::Str),
            "null",
            "File with system prompt text (relative to the workspace root)."
        ),
        f!(
            "developer_path",
            Ty::Optional(&Ty::Str),
            "null",
            "File with developer prompt text."
        ),
        f!(
            "include_skills_list",
            Ty::Optional(&BOOL),
            "null",
            "List available skills in the prompt (null: profile default)."
        ),
        f!(
            "include_cwd_tree",
            BOOL,
            "false",
            "Include the workspace file tree."
        ),
        f!(
            "skill_injection",
            Ty::Model(&PROMPT_SKILL_INJECTION),
            "",
            "Which skills are injected and how."
        ),
        f!(
            "history",
            Ty::Model(&PROMPT_HISTORY),
            "",
            "Conversation history kept in the prompt."
        ),
        f!(
            "tools",
            Ty::Model(&PROMPT_TOOLS),
            "",
            "Which tools the model is offered."
        ),
    ],
};

pub static PROMPT_SKILL_INJECTION: Model = Model {
    path: "prompt.skill_injection",
    legacy: &[],
    fields: &[
        f!(
            "mode",
            Ty::Optional(&Ty::Literal(&["all", "explicit_only", "none"])),
            "null",
            "Inject all skills, only mentioned ones, or none."
        ),
        f!(
            "render",
            Ty::Optional(&Ty::Literal(&["body", "method_only", "summary", "none"])),
            "null",
            "How an injected skill is rendered."
        ),
    ],
};

pub static PROMPT_HISTORY: Model = Model {
    path: "prompt.history",
    legacy: &[],
    fields: &[
        f!(
            "mode",
            Ty::Optional(&Ty::Literal(&["none", "compacted", "full"])),
            "null",
            "History mode (null: profile default)."
        ),
        f!("max_messages", int(1), "40", "Messages kept."),
        f!("max_chars", int(1), "120000", "Characters kept."),
    ],
};

pub static PROMPT_TOOLS: Model = Model {
    path: "prompt.tools",
    legacy: &[],
    fields: &[f!(
        "exposure",
        Ty::Optional(&Ty::Literal(&["none", "explicit_only", "all"])),
        "null",
        "Which tools are offered (null: profile default)."
    )],
};

/// The model at a dotted path (`skills.scan`), list items written `spaces[]`.
pub fn model_at(path: &[&str]) -> Option<&'static Model> {
    let mut model = &ROOT;
    for seg in path {
        let field = model.field(seg.trim_end_matches("[]"))?;
        model = match &field.ty {
            Ty::Model(m) => m,
            Ty::ListOf(Ty::Model(m)) => m,
            _ => return None,
        };
    }
    Some(model)
}
