//! `skills-lsp scan`: the skill index as JSON (skills and the scan errors the runtime reports).

use std::path::Path;
use std::process::ExitCode;

use serde_json::json;
use skills_runtime::check::check_workspace;

use super::CommonArgs;
use super::check::options_for;

pub fn run(common: &CommonArgs, cwd: &Path) -> Result<ExitCode, String> {
    let root = common
        .workspace_root
        .as_deref()
        .map(|p| cwd.join(p))
        .unwrap_or_else(|| cwd.to_path_buf());
    if !root.is_dir() {
        return Err(format!(
            "--workspace-root {}: not a directory",
            root.display()
        ));
    }
    let root = root.canonicalize().unwrap_or(root);
    let ws = check_workspace(&options_for(&root, common, None, Vec::new())?);
    let rel = |p: &Path| {
        p.strip_prefix(&root)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let skills: Vec<_> = ws
        .index
        .skills
        .iter()
        .map(|s| {
            json!({
                "namespace": s.namespace,
                "skill_name": s.name,
                "description": s.description,
                "path": rel(&s.locator),
                "space_id": s.space_id,
                "source_id": s.source_id,
            })
        })
        .collect();
    let errors: Vec<_> = ws
        .index
        .errors
        .iter()
        .map(|e| json!({"code": e.code, "message": e.message, "path": e.path.as_deref().map(rel), "reason": e.reason}))
        .collect();
    let out = json!({
        "workspace_root": root.to_string_lossy(),
        "config_files": ws.config.overlays.iter().map(|o| rel(&o.path)).collect::<Vec<_>>(),
        "config_loads": ws.config.loads || !ws.config.has_overlays(),
        "discovered_without_config": ws.index.discovered_without_config,
        "skills": skills,
        "errors": errors,
        "stats": {"skills_total": ws.index.skills.len(), "files_total": ws.index.files.len()},
    });
    super::write_stdout(&(serde_json::to_string_pretty(&out).expect("serializable") + "\n"))?;
    Ok(ExitCode::SUCCESS)
}
