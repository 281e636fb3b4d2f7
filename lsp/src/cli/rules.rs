//! `skills-lsp --explain CODE` and `skills-lsp rules`.

use std::process::ExitCode;

use serde_json::json;
use skills_runtime::rules;

use super::Format;

pub fn explain(code: &str) -> Result<ExitCode, String> {
    let rule = rules::find(code)
        .ok_or_else(|| format!("unknown rule `{code}`; `skills-lsp rules` lists them all"))?;
    println!("{} ({}) — {}", rule.code, rule.name, rule.summary);
    println!();
    println!(
        "Default severity: {}. Profile: {}.",
        rule.severity.as_str(),
        rule.profile.as_str()
    );
    println!();
    println!("{}", rule.explanation);
    println!();
    match rule.runtime_code {
        Some(c) => println!("Runtime consequence ({c}): {}", rule.runtime),
        None => println!("Runtime consequence: {}", rule.runtime),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn list(format: Format) -> Result<ExitCode, String> {
    let all = rules::all();
    if format == Format::Json {
        let v: Vec<_> = all
            .iter()
            .map(|r| json!({"code": r.code, "name": r.name, "severity": r.severity.as_str(), "profile": r.profile.as_str(), "summary": r.summary, "runtime_code": r.runtime_code}))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&v).expect("serializable")
        );
    } else {
        for r in all {
            println!(
                "{}  {:<8} {:<34} {}",
                r.code,
                r.severity.as_str(),
                r.name,
                r.summary
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
