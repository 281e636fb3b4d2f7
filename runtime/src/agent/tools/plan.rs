//! `update_plan`: the model's task plan, checked (at most one step in progress) and announced
//! as a `plan_updated` event.

use serde_json::{Map, Value, json};

use super::args::{self, Field, Model, NON_EMPTY_STR, STR, Ty};
use super::{ToolContext, ToolResult};

static PLAN_STEP: Model = Model {
    name: "_PlanStep",
    fields: &[
        Field::required("step", NON_EMPTY_STR),
        Field::required(
            "status",
            Ty::Literal(&["pending", "in_progress", "completed"]),
        ),
    ],
};

pub(super) static UPDATE_PLAN_ARGS: Model = Model {
    name: "_UpdatePlanArgs",
    fields: &[
        Field::required(
            "plan",
            Ty::List {
                item: &Ty::Model(&PLAN_STEP),
                min_len: 1,
            },
        ),
        Field::optional("explanation", STR),
    ],
};

pub(crate) fn update_plan(
    call_id: &str,
    args: &Map<String, Value>,
    ctx: &ToolContext,
) -> ToolResult {
    let v = match args::validate(&UPDATE_PLAN_ARGS, args) {
        Ok(v) => v,
        Err(msg) => return ToolResult::error("validation", msg),
    };
    let plan: Vec<Value> = v["plan"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|s| json!({"step": s["step"], "status": s["status"]}))
                .collect()
        })
        .unwrap_or_default();
    let in_progress = plan.iter().filter(|s| s["status"] == "in_progress").count();
    if in_progress > 1 {
        return ToolResult::error_with_data(
            "validation",
            "plan must contain at most one in_progress step",
            json!({"in_progress_total": in_progress}),
        );
    }
    let explanation = v.get("explanation").cloned().unwrap_or(Value::Null);
    ctx.events.emit(
        "plan_updated",
        json!({"call_id": call_id, "plan": plan, "explanation": explanation}),
    );
    ToolResult::success("", Some(json!({"plan": plan, "explanation": explanation})))
}
