//! The OS sandbox around shell commands (spec §5): which policy a call gets, which adapter
//! enforces it, and the argv that wraps the command.
//!
//! - Policy: a call asks for `inherit` (the configured default) or `restricted`; `none` is
//!   refused, so a call can never opt out of a restricted default.
//! - Adapter: bubblewrap (Linux) or seatbelt (macOS), chosen by `sandbox.os.mode` (`auto` picks
//!   by platform) and only when its binary is found. Restricted with no adapter is an error
//!   (`sandbox_denied`), never a silent unsandboxed run.
//! - Evidence: every shell result carries `data.sandbox = {requested, effective, adapter,
//!   active}`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::agent::config::{OsSandboxMode, SandboxConfig, SandboxPolicy};

/// The message of a restricted call without an adapter.
pub const NO_ADAPTER_MESSAGE: &str = "Sandbox is required but no sandbox adapter is configured.";

/// The sandbox decision for one call, as reported in `data.sandbox`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxEvidence {
    /// The call's normalized request: `inherit` or `restricted`.
    pub requested: String,
    /// `none` or `restricted`.
    pub effective: &'static str,
    /// The adapter's class name upstream (`BubblewrapSandboxAdapter`, `SeatbeltSandboxAdapter`).
    pub adapter: Option<&'static str>,
}

impl SandboxEvidence {
    pub fn active(&self) -> bool {
        self.effective == "restricted" && self.adapter.is_some()
    }

    pub fn to_value(&self) -> Value {
        json!({
            "requested": self.requested,
            "effective": self.effective,
            "adapter": self.adapter,
            "active": self.active(),
        })
    }
}

/// Normalizes a call's `sandbox` argument (absent → `inherit`; trimmed, lowercased) and
/// resolves the effective policy. `Err`: the `validation` message.
pub fn resolve_policy(
    requested: Option<&str>,
    default_policy: SandboxPolicy,
) -> Result<(String, &'static str), String> {
    // `str(sandbox or "inherit").strip().lower()`: only an absent or empty value inherits.
    let requested = match requested {
        None | Some("") => "inherit".to_owned(),
        Some(s) => crate::text::python_strip(s).to_lowercase(),
    };
    let effective = match requested.as_str() {
        "inherit" => match default_policy {
            SandboxPolicy::None => "none",
            SandboxPolicy::Restricted => "restricted",
        },
        "restricted" => "restricted",
        other => return Err(format!("invalid sandbox policy: {other}")),
    };
    Ok((requested, effective))
}

/// An OS sandbox able to wrap a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SandboxAdapter {
    /// `bwrap_path` as configured (a name looked up in PATH, or an absolute path).
    Bubblewrap {
        bwrap_path: String,
        unshare_net: bool,
    },
    Seatbelt {
        sandbox_exec: String,
        profile: String,
    },
}

/// A command ready for the executor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedCommand {
    pub argv: Vec<String>,
    /// The executor's working directory on the host.
    pub cwd: PathBuf,
}

impl SandboxAdapter {
    /// The adapter for this configuration, or `None` when the mode resolves to none or the
    /// binary is not found (PATH lookup, or existence of an absolute path).
    pub fn from_config(cfg: &SandboxConfig) -> Option<Self> {
        let mode = match cfg.os_mode {
            OsSandboxMode::None => return None,
            OsSandboxMode::Auto => auto_mode()?,
            m => m,
        };
        match mode {
            OsSandboxMode::Bubblewrap => {
                find_program(&cfg.bwrap_path)?;
                Some(SandboxAdapter::Bubblewrap {
                    bwrap_path: cfg.bwrap_path.clone(),
                    unshare_net: cfg.unshare_net,
                })
            }
            OsSandboxMode::Seatbelt => {
                find_program("sandbox-exec")?;
                Some(SandboxAdapter::Seatbelt {
                    sandbox_exec: "sandbox-exec".into(),
                    profile: crate::text::python_strip(&cfg.seatbelt_profile).to_owned(),
                })
            }
            OsSandboxMode::Auto | OsSandboxMode::None => None,
        }
    }

    /// The reference's class name, reported as `data.sandbox.adapter`.
    pub fn name(&self) -> &'static str {
        match self {
            SandboxAdapter::Bubblewrap { .. } => "BubblewrapSandboxAdapter",
            SandboxAdapter::Seatbelt { .. } => "SeatbeltSandboxAdapter",
        }
    }

    /// Wraps `argv` (to run in host directory `cwd`) for this sandbox. `Err`: the
    /// `sandbox_denied` message.
    pub fn prepare(
        &self,
        argv: &[String],
        cwd: &Path,
        workspace_root: &Path,
    ) -> Result<PreparedCommand, String> {
        match self {
            SandboxAdapter::Seatbelt {
                sandbox_exec,
                profile,
            } => {
                if profile.is_empty() {
                    return Err("Seatbelt sandbox profile is empty.".into());
                }
                if find_program(sandbox_exec).is_none() {
                    return Err("sandbox-exec is not available.".into());
                }
                let mut out = vec![sandbox_exec.clone(), "-p".into(), profile.clone()];
                out.extend(argv.iter().cloned());
                Ok(PreparedCommand {
                    argv: out,
                    cwd: cwd.to_path_buf(),
                })
            }
            SandboxAdapter::Bubblewrap {
                bwrap_path,
                unshare_net,
            } => {
                if find_program(bwrap_path).is_none() {
                    return Err("bwrap is not available.".into());
                }
                let root = crate::agent::tools::resolve_real(workspace_root);
                let host_cwd = crate::agent::tools::resolve_real(cwd);
                let Ok(rel) = host_cwd.strip_prefix(&root) else {
                    return Err("cwd must be within workspace_root for bubblewrap sandbox.".into());
                };
                let rel = rel.to_string_lossy();
                let sandbox_cwd = if rel.is_empty() {
                    "/work".to_owned()
                } else {
                    format!("/work/{rel}")
                };
                Ok(PreparedCommand {
                    argv: bubblewrap_argv(
                        bwrap_path,
                        *unshare_net,
                        &root.to_string_lossy(),
                        &sandbox_cwd,
                        argv,
                        |p| Path::new(p).exists(),
                    ),
                    cwd: root,
                })
            }
        }
    }
}

/// `<bwrap> --die-with-parent --new-session [--unshare-net] --proc /proc --dev /dev`, a
/// read-only bind of each existing system directory, the workspace bound read-write at
/// `/work`, the working directory, then the command.
fn bubblewrap_argv(
    bwrap: &str,
    unshare_net: bool,
    root: &str,
    sandbox_cwd: &str,
    argv: &[String],
    exists: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut out: Vec<String> = vec![
        bwrap.into(),
        "--die-with-parent".into(),
        "--new-session".into(),
    ];
    if unshare_net {
        out.push("--unshare-net".into());
    }
    out.extend(["--proc", "/proc", "--dev", "/dev"].map(String::from));
    for p in ["/usr", "/bin", "/lib", "/lib64", "/etc"] {
        if exists(p) {
            out.extend(["--ro-bind", p, p].map(String::from));
        }
    }
    out.extend(["--bind", root, "/work", "--chdir", sandbox_cwd, "--"].map(String::from));
    out.extend(argv.iter().cloned());
    out
}

/// `auto`: seatbelt on macOS, bubblewrap on Linux, nothing elsewhere.
fn auto_mode() -> Option<OsSandboxMode> {
    if cfg!(target_os = "macos") {
        Some(OsSandboxMode::Seatbelt)
    } else if cfg!(target_os = "linux") {
        Some(OsSandboxMode::Bubblewrap)
    } else {
        None
    }
}

/// `shutil.which` for a bare name; existence for an absolute path.
fn find_program(name: &str) -> Option<PathBuf> {
    let p = Path::new(name);
    if p.is_absolute() {
        return p.exists().then(|| p.to_path_buf());
    }
    if name.contains('/') {
        return p.is_file().then(|| p.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable_file(candidate))
}

fn is_executable_file(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(mode: OsSandboxMode, bwrap: &str) -> SandboxConfig {
        SandboxConfig {
            default_policy: SandboxPolicy::None,
            os_mode: mode,
            seatbelt_profile: "(version 1) (allow default)".into(),
            bwrap_path: bwrap.into(),
            unshare_net: true,
        }
    }

    #[test]
    fn policy_inherits_the_default_and_refuses_none() {
        assert_eq!(
            resolve_policy(None, SandboxPolicy::None).unwrap(),
            ("inherit".to_owned(), "none")
        );
        assert_eq!(
            resolve_policy(Some(" Restricted "), SandboxPolicy::None).unwrap(),
            ("restricted".to_owned(), "restricted")
        );
        assert_eq!(
            resolve_policy(Some("inherit"), SandboxPolicy::Restricted).unwrap(),
            ("inherit".to_owned(), "restricted")
        );
        assert_eq!(
            resolve_policy(Some("none"), SandboxPolicy::Restricted).unwrap_err(),
            "invalid sandbox policy: none"
        );
        assert_eq!(
            resolve_policy(Some(""), SandboxPolicy::None).unwrap(),
            ("inherit".to_owned(), "none")
        );
        assert_eq!(
            resolve_policy(Some("  "), SandboxPolicy::None).unwrap_err(),
            "invalid sandbox policy: "
        );
    }

    #[test]
    fn evidence_is_active_only_when_restricted_with_an_adapter() {
        let e = SandboxEvidence {
            requested: "restricted".into(),
            effective: "restricted",
            adapter: None,
        };
        assert_eq!(
            e.to_value(),
            json!({"requested": "restricted", "effective": "restricted", "adapter": null, "active": false})
        );
        let e = SandboxEvidence {
            adapter: Some("BubblewrapSandboxAdapter"),
            ..e
        };
        assert!(e.active());
    }

    #[test]
    fn bubblewrap_argv_matches_the_reference_layout() {
        let argv = bubblewrap_argv(
            "bwrap",
            true,
            "/ws",
            "/work/sub",
            &["echo".into(), "hi".into()],
            |p| p != "/lib64",
        );
        assert_eq!(
            argv.join(" "),
            "bwrap --die-with-parent --new-session --unshare-net --proc /proc --dev /dev \
             --ro-bind /usr /usr --ro-bind /bin /bin --ro-bind /lib /lib --ro-bind /etc /etc \
             --bind /ws /work --chdir /work/sub -- echo hi"
        );
        let no_net = bubblewrap_argv("/b", false, "/ws", "/work", &[], |_| false);
        assert_eq!(
            no_net.join(" "),
            "/b --die-with-parent --new-session --proc /proc --dev /dev --bind /ws /work --chdir /work --"
        );
    }

    #[test]
    fn no_adapter_for_mode_none_or_a_missing_binary() {
        assert_eq!(
            SandboxAdapter::from_config(&cfg(OsSandboxMode::None, "bwrap")),
            None
        );
        assert_eq!(
            SandboxAdapter::from_config(&cfg(
                OsSandboxMode::Bubblewrap,
                "/nonexistent/skills-lsp-bwrap"
            )),
            None
        );
        assert_eq!(
            SandboxAdapter::from_config(&cfg(
                OsSandboxMode::Bubblewrap,
                "skills-lsp-no-such-bwrap"
            )),
            None
        );
    }

    #[test]
    fn seatbelt_wraps_with_the_profile_and_keeps_cwd() {
        let a = SandboxAdapter::Seatbelt {
            sandbox_exec: "/bin/sh".into(),
            profile: "(version 1) (allow default)".into(),
        };
        let p = a
            .prepare(&["ls".into()], Path::new("/ws/sub"), Path::new("/ws"))
            .unwrap();
        assert_eq!(
            p.argv,
            ["/bin/sh", "-p", "(version 1) (allow default)", "ls"]
        );
        assert_eq!(p.cwd, PathBuf::from("/ws/sub"));
        let empty = SandboxAdapter::Seatbelt {
            sandbox_exec: "/bin/sh".into(),
            profile: String::new(),
        };
        assert_eq!(
            empty
                .prepare(&[], Path::new("/ws"), Path::new("/ws"))
                .unwrap_err(),
            "Seatbelt sandbox profile is empty."
        );
    }
}
