//! The tools a run offers and executes. [`BuiltinTools`] is the runtime's built-in set
//! ([`crate::agent::tools`]); an embedder (or a test) can add its own tools or replace the set,
//! as the reference's `Agent.register_tool` does. Tools that are not built-ins go through the
//! gate's *custom* category.

use std::future::Future;
use std::pin::Pin;

use serde_json::{Map, Value};

use crate::agent::llm::ToolSpec;
use crate::agent::safety;
use crate::agent::tools::{self, GateCategory, ToolContext, ToolInvocation, ToolResult};

pub type ToolFuture<'a> = Pin<Box<dyn Future<Output = ToolResult> + Send + 'a>>;

pub trait ToolSet: Send + Sync {
    /// Every tool offered to the model, in order.
    fn specs(&self) -> Vec<ToolSpec>;
    /// The gate category of a tool; `None` for a name this set does not have (denied).
    fn category(&self, name: &str) -> Option<GateCategory>;
    /// For `skill_exec`: what the call would run, which the gate judges and approvals show.
    fn skill_action(
        &self,
        _name: &str,
        _args: &Map<String, Value>,
        _ctx: &ToolContext,
    ) -> Option<safety::SkillActionIntent> {
        None
    }
    /// Runs an approved call.
    fn execute<'a>(&'a self, call: ToolInvocation<'a>, ctx: &'a ToolContext) -> ToolFuture<'a>;
}

/// The runtime's built-in tools.
#[derive(Debug, Default, Clone, Copy)]
pub struct BuiltinTools;

impl ToolSet for BuiltinTools {
    fn specs(&self) -> Vec<ToolSpec> {
        tools::builtin_specs()
    }

    fn category(&self, name: &str) -> Option<GateCategory> {
        tools::category(name)
    }

    fn skill_action(
        &self,
        name: &str,
        args: &Map<String, Value>,
        ctx: &ToolContext,
    ) -> Option<safety::SkillActionIntent> {
        if name != "skill_exec" {
            return None;
        }
        let text = |k: &str| args.get(k).and_then(Value::as_str).unwrap_or("");
        Some(tools::resolve_skill_action(
            ctx,
            text("skill_mention"),
            text("action_id"),
        ))
    }

    fn execute<'a>(&'a self, call: ToolInvocation<'a>, ctx: &'a ToolContext) -> ToolFuture<'a> {
        Box::pin(tools::execute(call, ctx))
    }
}

/// The built-ins plus extra tools (custom category unless they shadow a built-in name).
pub struct ExtendedTools<E> {
    pub extra: E,
}

impl<E: ToolSet> ToolSet for ExtendedTools<E> {
    fn specs(&self) -> Vec<ToolSpec> {
        let mut specs = BuiltinTools.specs();
        let extra = self.extra.specs();
        specs.retain(|s| !extra.iter().any(|e| e.name == s.name));
        specs.extend(extra);
        specs
    }

    fn category(&self, name: &str) -> Option<GateCategory> {
        self.extra
            .category(name)
            .or_else(|| BuiltinTools.category(name))
    }

    fn skill_action(
        &self,
        name: &str,
        args: &Map<String, Value>,
        ctx: &ToolContext,
    ) -> Option<safety::SkillActionIntent> {
        match self.extra.category(name) {
            Some(_) => self.extra.skill_action(name, args, ctx),
            None => BuiltinTools.skill_action(name, args, ctx),
        }
    }

    fn execute<'a>(&'a self, call: ToolInvocation<'a>, ctx: &'a ToolContext) -> ToolFuture<'a> {
        match self.extra.category(call.name) {
            Some(_) => self.extra.execute(call, ctx),
            None => BuiltinTools.execute(call, ctx),
        }
    }
}
