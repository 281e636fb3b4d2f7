//! `ask_human` and `request_user_input`: questions to the person running the agent, through the
//! run's [`HumanIo`](super::HumanIo). Each question is announced (`human_request`) before it is
//! asked and each answer recorded (`human_response`); without a `HumanIo` the result is
//! `human_required`, which makes the engine pause the run (`run_waiting_human`).

use serde_json::{Map, Value, json};

use super::args::{self, Field, Model, NON_EMPTY_STR, STR, STR_LIST, Ty};
use super::{ToolContext, ToolResult};

static ASK_HUMAN_ARGS: Model = Model {
    name: "_AskHumanArgs",
    fields: &[
        Field::required("question", NON_EMPTY_STR),
        Field::optional("choices", STR_LIST),
        Field::optional("context", Ty::AnyDict),
    ],
};

static OPTION: Model = Model {
    name: "_Option",
    fields: &[
        Field::required("label", NON_EMPTY_STR),
        Field::optional("description", STR),
    ],
};

static QUESTION: Model = Model {
    name: "_Question",
    fields: &[
        Field::required("id", NON_EMPTY_STR),
        Field::required("header", NON_EMPTY_STR),
        Field::required("question", NON_EMPTY_STR),
        Field::optional(
            "options",
            Ty::List {
                item: &Ty::Model(&OPTION),
                min_len: 0,
            },
        ),
    ],
};

static REQUEST_USER_INPUT_ARGS: Model = Model {
    name: "_RequestUserInputArgs",
    fields: &[Field::required(
        "questions",
        Ty::List {
            item: &Ty::Model(&QUESTION),
            min_len: 1,
        },
    )],
};

/// What a question gets when nobody answers it (the `HumanIo` gave up) or the run is cancelled.
enum NoAnswer {
    Declined,
    Cancelled,
}

async fn ask(
    ctx: &ToolContext,
    call_id: &str,
    question: &str,
    choices: &[String],
    context: &Value,
) -> Result<String, NoAnswer> {
    let Some(human) = &ctx.human else {
        return Err(NoAnswer::Declined);
    };
    tokio::select! {
        answer = human.ask(call_id, question, choices, context) => answer.ok_or(NoAnswer::Declined),
        _ = ctx.cancel.cancelled() => Err(NoAnswer::Cancelled),
    }
}

fn cancelled() -> ToolResult {
    ToolResult::error("cancelled", "cancelled by user")
}

pub(crate) async fn ask_human(
    call_id: &str,
    args: &Map<String, Value>,
    ctx: &ToolContext,
) -> ToolResult {
    let v = match args::validate(&ASK_HUMAN_ARGS, args) {
        Ok(v) => v,
        Err(msg) => return ToolResult::error("validation", msg),
    };
    let question = v["question"].as_str().unwrap_or_default();
    let choices_value = v.get("choices").cloned().unwrap_or(Value::Null);
    let context = v.get("context").cloned().unwrap_or(Value::Null);
    ctx.events.emit(
        "human_request",
        json!({"call_id": call_id, "question": question, "choices": choices_value, "context": context}),
    );
    let required = || {
        ToolResult::error_with_data(
            "human_required",
            "ask_human 需要 HumanIOProvider，但当前上下文未配置 human_io",
            json!({"question": question}),
        )
    };
    if ctx.human.is_none() {
        return required();
    }
    let choices = strings(&choices_value);
    let answer = match ask(ctx, call_id, question, &choices, &context).await {
        Ok(a) => a,
        Err(NoAnswer::Declined) => return required(),
        Err(NoAnswer::Cancelled) => return cancelled(),
    };
    ctx.events.emit(
        "human_response",
        json!({"call_id": call_id, "answer": answer}),
    );
    ToolResult::success(answer.clone(), Some(json!({"answer": answer})))
}

pub(crate) async fn request_user_input(
    call_id: &str,
    args: &Map<String, Value>,
    ctx: &ToolContext,
) -> ToolResult {
    let v = match args::validate(&REQUEST_USER_INPUT_ARGS, args) {
        Ok(v) => v,
        Err(msg) => return ToolResult::error("validation", msg),
    };
    // The questions with every field present (pydantic's `model_dump`).
    let questions: Vec<Value> = v["questions"]
        .as_array()
        .map(|qs| qs.iter().map(dump_question).collect())
        .unwrap_or_default();
    ctx.events.emit(
        "human_request",
        json!({"call_id": call_id, "tool": "request_user_input", "questions": questions}),
    );
    let required = || {
        ToolResult::error_with_data(
            "human_required",
            "request_user_input requires HumanIOProvider but ctx.human_io is not configured",
            json!({"questions_total": questions.len()}),
        )
    };
    if ctx.human.is_none() {
        return required();
    }
    let mut answers = Vec::new();
    for q in &questions {
        let id = q["id"].as_str().unwrap_or_default();
        let mut context = Map::new();
        context.insert("header".into(), q["header"].clone());
        context.insert("question_id".into(), Value::String(id.to_owned()));
        let mut choices = Vec::new();
        if let Some(options) = q["options"].as_array() {
            if options.is_empty() {
                return ToolResult::error_with_data(
                    "validation",
                    "question.options must not be empty when provided",
                    json!({"question_id": id}),
                );
            }
            choices = options
                .iter()
                .map(|o| o["label"].as_str().unwrap_or_default().to_owned())
                .collect();
            let mut unique = choices.clone();
            unique.sort();
            unique.dedup();
            if unique.len() != choices.len() {
                return ToolResult::error_with_data(
                    "validation",
                    "question.options labels must be unique",
                    json!({"question_id": id}),
                );
            }
            context.insert("options".into(), Value::Array(options.clone()));
        }
        let question = q["question"].as_str().unwrap_or_default();
        let sub_id = format!("{call_id}:{id}");
        let answer = match ask(ctx, &sub_id, question, &choices, &Value::Object(context)).await {
            Ok(a) => a,
            Err(NoAnswer::Declined) => return required(),
            Err(NoAnswer::Cancelled) => return cancelled(),
        };
        answers.push(json!({"id": id, "answer": answer}));
        ctx.events.emit(
            "human_response",
            json!({"call_id": call_id, "question_id": id, "answer": answer}),
        );
    }
    ToolResult::success("", Some(json!({"answers": answers})))
}

fn dump_question(q: &Value) -> Value {
    let options = match q.get("options").and_then(Value::as_array) {
        Some(opts) => Value::Array(
            opts.iter()
                .map(|o| {
                    json!({
                        "label": o["label"],
                        "description": o.get("description").cloned().unwrap_or(Value::Null),
                    })
                })
                .collect(),
        ),
        None => Value::Null,
    };
    json!({
        "id": q["id"],
        "header": q["header"],
        "question": q["question"],
        "options": options,
    })
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}
