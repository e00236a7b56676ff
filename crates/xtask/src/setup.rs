//! `cargo xtask setup`: installs every tool the build and the tests need, skipping each one
//! that is already present at the right version, so a second run takes seconds.

use std::fs;
use std::path::Path;
use std::time::Instant;

use crate::error::{Error, Result};
use crate::proc::{self, Env, probe};

/// Trunk's version: 0.22 needs a newer rustc, 0.21.14 builds only with `--locked`.
pub const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Installs what is missing, one line per tool.
pub fn setup(env: &Env) -> Result<()> {
    let start = Instant::now();
    println!("==> setup");
    wasm_target(env)?;
    components(env)?;
    wasm_bindgen_cli(env)?;
    trunk(env)?;
    chromium(env)?;
    npm_packages(env)?;
    println!("==> setup: done in {}", proc::secs(start.elapsed()));
    Ok(())
}

fn present(tool: &str) {
    println!("    {tool}: present");
}

fn installing(tool: &str) {
    println!("    {tool}: installing…");
}

fn wasm_target(env: &Env) -> Result<()> {
    let tool = format!("rust target {WASM_TARGET}");
    let installed = probe(env.cmd("rustup").args(["target", "list", "--installed"]));
    if installed.is_some_and(|list| list.lines().any(|l| l.trim() == WASM_TARGET)) {
        present(&tool);
        return Ok(());
    }
    installing(&tool);
    proc::run(&tool, env.cmd("rustup").args(["target", "add", WASM_TARGET]))
}

fn components(env: &Env) -> Result<()> {
    let installed = probe(env.cmd("rustup").args(["component", "list", "--installed"])).unwrap_or_default();
    for component in ["rustfmt", "clippy"] {
        let tool = format!("rust component {component}");
        // Installed components are listed with their host triple: `clippy-x86_64-unknown-…`.
        let prefix = format!("{component}-");
        if installed.lines().any(|l| l.trim() == component || l.starts_with(&prefix)) {
            present(&tool);
        } else {
            installing(&tool);
            proc::run(&tool, env.cmd("rustup").args(["component", "add", component]))?;
        }
    }
    Ok(())
}

/// The one version of `package` that Cargo.lock names.
pub fn locked_version(root: &Path, package: &'static str) -> Result<String> {
    let lock_path = root.join("Cargo.lock");
    let lock = fs::read_to_string(&lock_path).map_err(|e| Error::io(lock_path.display().to_string(), e))?;
    parse_locked_version(&lock, package)
}

fn parse_locked_version(lock: &str, package: &'static str) -> Result<String> {
    let wanted = format!("name = \"{package}\"");
    let mut found: Vec<String> = Vec::new();
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() != wanted {
            continue;
        }
        // In Cargo.lock the `version` line directly follows the `name` line.
        let version =
            lines.next().and_then(|l| l.trim().strip_prefix("version = \"").and_then(|rest| rest.strip_suffix('"')));
        if let Some(version) = version
            && !found.iter().any(|v| v == version)
        {
            found.push(version.to_owned());
        }
    }
    match found.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(Error::LockVersion { package, found }),
    }
}

fn wasm_bindgen_cli(env: &Env) -> Result<()> {
    let version = locked_version(&env.root, "wasm-bindgen")?;
    let tool = format!("wasm-bindgen-cli {version}");
    let matches = |env: &Env| {
        ["wasm-bindgen", "wasm-bindgen-test-runner"]
            .iter()
            .all(|bin| probe(env.cmd(bin).arg("--version")).is_some_and(|out| out == format!("{bin} {version}")))
    };
    if matches(env) {
        present(&tool);
        return Ok(());
    }
    installing(&tool);
    // Without --locked: the registry lacks a version the CLI's own lock file names.
    proc::run(&tool, &mut env.cargo(["install", "wasm-bindgen-cli", "--version", &version]))?;
    if matches(env) {
        Ok(())
    } else {
        Err(Error::StillMissing {
            tool,
            detail: "`wasm-bindgen --version` does not report it; is Cargo's bin directory shadowed on PATH?".into(),
        })
    }
}

fn trunk(env: &Env) -> Result<()> {
    let tool = format!("trunk {TRUNK_VERSION}");
    let expected = format!("trunk {TRUNK_VERSION}");
    if probe(env.cmd("trunk").arg("--version")).is_some_and(|out| out == expected) {
        present(&tool);
        return Ok(());
    }
    installing(&tool);
    // With --locked: without it, newer lightningcss releases break the build.
    proc::run(&tool, &mut env.cargo(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))
}

fn chromium(env: &Env) -> Result<()> {
    let tool = "chromium + chromium-driver (apt)";
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        present(tool);
        return Ok(());
    }
    installing(tool);
    proc::run(tool, env.cmd("apt-get").arg("update").env("DEBIAN_FRONTEND", "noninteractive"))?;
    proc::run(
        tool,
        env.cmd("apt-get")
            .args(["install", "-y", "chromium", "chromium-driver"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// npm's binaryen (wasm-opt for Trunk) and playwright-core (browser E2E tests), from the
/// committed package-lock.json.
fn npm_packages(env: &Env) -> Result<()> {
    let tool = "npm packages (binaryen, playwright-core)";
    let lock = env.root.join("package-lock.json");
    let modules = env.root.join("node_modules");
    // npm writes node_modules/.package-lock.json after every install; if it is newer than the
    // committed lock file, the tree matches the lock file.
    let installed_at = modified(&modules.join(".package-lock.json"));
    let wanted_at = modified(&lock).max(modified(&env.root.join("package.json")));
    let complete = modules.join(".bin/wasm-opt").exists() && modules.join("playwright-core/package.json").exists();
    if complete && installed_at.is_some() && installed_at >= wanted_at {
        present(tool);
        return Ok(());
    }
    installing(tool);
    let args: &[&str] =
        if lock.exists() { &["ci", "--no-audit", "--no-fund"] } else { &["install", "--no-audit", "--no-fund"] };
    proc::run(tool, env.cmd("npm").args(args))
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "wasm-bindgen-backend"
version = "0.2.99"
"#;

    #[test]
    fn finds_the_exact_package_not_a_prefix() {
        assert_eq!(parse_locked_version(LOCK, "wasm-bindgen").ok().as_deref(), Some("0.2.130"));
    }

    #[test]
    fn missing_or_duplicate_versions_are_errors() {
        assert!(matches!(
            parse_locked_version(LOCK, "trunk"),
            Err(Error::LockVersion { found, .. }) if found.is_empty()
        ));
        let two = format!("{LOCK}\n[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.131\"\n");
        assert!(matches!(
            parse_locked_version(&two, "wasm-bindgen"),
            Err(Error::LockVersion { found, .. }) if found.len() == 2
        ));
    }
}
