//! `skills-lsp --check`: lint one or more workspaces and render the findings.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use skills_runtime::check::{
    CheckOptions, Workspace, check_workspace, nested_workspaces, sort_diagnostics,
};
use skills_runtime::config::LoadOptions;
use skills_runtime::diagnostic::{Diagnostic, Severity};
use skills_runtime::rules::Profile;
use skills_runtime::settings::Settings;

use super::{CommonArgs, EXIT_FINDINGS, EXIT_USAGE, Format};
use crate::render::{self, Report};

pub struct CheckArgs {
    pub paths: Vec<PathBuf>,
    pub common: CommonArgs,
    pub profile: Option<Profile>,
    pub format: Format,
    pub strict: bool,
}

fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    }
}

/// Builds the options for one workspace root.
pub fn options_for(
    root: &Path,
    common: &CommonArgs,
    profile: Option<Profile>,
    paths: Vec<PathBuf>,
) -> Result<CheckOptions, String> {
    let mut settings = Settings::load(root).map_err(|e| e.to_string())?;
    settings.apply_overrides(&common.rules, &common.include, &common.exclude)?;
    let mut config = LoadOptions::new(root);
    config.cli_overlays = common.configs.clone();
    config.use_dotenv = !common.no_dotenv;
    Ok(CheckOptions {
        config,
        paths,
        profile,
        settings,
        nested_workspaces: Vec::new(),
    })
}

pub fn run(args: CheckArgs, cwd: &Path) -> Result<ExitCode, String> {
    let display_root = absolute(
        cwd,
        args.common
            .workspace_root
            .as_deref()
            .unwrap_or(Path::new(".")),
    );
    if !display_root.is_dir() {
        return Err(format!(
            "--workspace-root {}: not a directory",
            display_root.display()
        ));
    }
    let display_root = display_root.canonicalize().unwrap_or(display_root);
    for p in &args.paths {
        let abs = absolute(cwd, p);
        if !abs.exists() {
            eprintln!("skills-lsp: {}: no such file or directory", p.display());
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    }
    // A directory PATH with its own config/runtime.yaml is a workspace of its own.
    let mut roots: Vec<(PathBuf, Vec<PathBuf>)> = Vec::new();
    let mut loose: Vec<PathBuf> = Vec::new();
    for p in &args.paths {
        let abs = absolute(cwd, p);
        let abs = abs.canonicalize().unwrap_or(abs);
        if args.common.workspace_root.is_none()
            && abs.is_dir()
            && abs.join("config").join("runtime.yaml").is_file()
        {
            roots.push((abs, Vec::new()));
        } else {
            loose.push(abs);
        }
    }
    // With nothing named and no config at the root, every directory below it with its own
    // config/runtime.yaml is a workspace; SKILL.md files outside them are discovered.
    let mut nested = Vec::new();
    if args.paths.is_empty() && !display_root.join("config").join("runtime.yaml").is_file() {
        nested = nested_workspaces(&display_root);
        roots.extend(nested.iter().map(|w| (w.clone(), Vec::new())));
    }
    if roots.len() == nested.len() || !loose.is_empty() {
        roots.push((display_root.clone(), loose));
    }
    let mut workspaces: Vec<Workspace> = Vec::new();
    for (root, paths) in roots {
        let mut opts = options_for(&root, &args.common, args.profile, paths)?;
        if root == display_root {
            opts.nested_workspaces = nested.clone();
        }
        workspaces.push(check_workspace(&opts));
    }
    let files = workspaces.iter().map(Workspace::files_checked).sum();
    let skills = workspaces.iter().map(|w| w.index.skills.len()).sum();
    let mut diagnostics: Vec<Diagnostic> = workspaces
        .iter_mut()
        .flat_map(|w| std::mem::take(&mut w.diagnostics))
        .collect();
    sort_diagnostics(&mut diagnostics);
    diagnostics.dedup();
    let report = Report {
        root: display_root,
        files,
        skills,
        diagnostics,
    };
    let out = match args.format {
        Format::Human => render::human::render(&report, render::human::use_color()),
        Format::Json => render::json::render(&report),
        Format::Github => render::github::render(&report),
        Format::Sarif => render::sarif::render(&report),
        Format::Markdown => return Err("--format markdown is only for `skills-lsp rules`".into()),
    };
    super::write_stdout(&out)?;
    // Files named on the command line that could not be read are I/O errors (exit 2).
    let unreadable: Vec<String> = workspaces
        .iter()
        .flat_map(|w| w.extra_files.iter())
        .filter_map(|f| {
            f.read_error
                .as_ref()
                .map(|e| format!("{}: {e}", report.display_path(&f.path)))
        })
        .collect();
    for u in &unreadable {
        eprintln!("skills-lsp: cannot read {u}");
    }
    if !unreadable.is_empty() {
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    Ok(if errors > 0 || (args.strict && warnings > 0) {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}
