//! `cargo xtask setup`: installs every tool the build and the tests need, skipping each one
//! that is already present at the right version, so a second run takes seconds.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::{Error, Result};
use crate::proc::{self, Env, probe};

/// Trunk's version: 0.22 needs a newer rustc, 0.21.14 builds only with `--locked`.
pub const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Debian's Firefox ESR (140 here), the second browser of the wasm-bindgen tests.
pub const FIREFOX: &str = "/usr/bin/firefox-esr";
/// geckodriver, built from crates.io: Mozilla's prebuilt binaries are not on a registry we
/// can reach. 0.37 drives Firefox 140; `--locked` keeps its tree as released.
pub const GECKODRIVER_VERSION: &str = "0.37.1";
/// The pinned Python client of the foundry-dev-tools compatibility check.
pub const FDT_REQUIREMENTS: &str = "tests/compat/requirements.txt";
const FDT_PACKAGE: &str = "foundry-dev-tools";

/// Installs what is missing, one line per tool.
pub fn setup(env: &Env) -> Result<()> {
    let start = Instant::now();
    println!("==> setup");
    wasm_target(env)?;
    components(env)?;
    wasm_bindgen_cli(env)?;
    trunk(env)?;
    chromium(env)?;
    firefox(env)?;
    geckodriver(env)?;
    npm_packages(env)?;
    fdt_venv(env)?;
    ray_venv(env)?;
    schemathesis_venv(env)?;
    pinned_venv(env, &SDK_VENV)?;
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
    apt_install(env, tool, &["chromium", "chromium-driver"])
}

fn firefox(env: &Env) -> Result<()> {
    let tool = "firefox-esr (apt)";
    if Path::new(FIREFOX).exists() {
        present(tool);
        return Ok(());
    }
    apt_install(env, tool, &["firefox-esr"])
}

/// `apt-get update`, then installs Debian packages (CI runs as root).
fn apt_install(env: &Env, tool: &str, packages: &[&str]) -> Result<()> {
    installing(tool);
    proc::run(tool, env.cmd("apt-get").arg("update").env("DEBIAN_FRONTEND", "noninteractive"))?;
    proc::run(tool, env.cmd("apt-get").args(["install", "-y"]).args(packages).env("DEBIAN_FRONTEND", "noninteractive"))
}

fn geckodriver(env: &Env) -> Result<()> {
    let tool = format!("geckodriver {GECKODRIVER_VERSION}");
    // `geckodriver --version` prints `geckodriver 0.37.1` and then, in some builds, the
    // commit and date on the same line, followed by licence lines.
    let matches = |env: &Env| {
        probe(env.cmd("geckodriver").arg("--version")).is_some_and(|out| {
            let first: Vec<&str> = out.lines().next().unwrap_or_default().split_whitespace().take(2).collect();
            first == ["geckodriver", GECKODRIVER_VERSION]
        })
    };
    if matches(env) {
        present(&tool);
        return Ok(());
    }
    installing(&tool);
    proc::run(&tool, &mut env.cargo(["install", "geckodriver", "--version", GECKODRIVER_VERSION, "--locked"]))?;
    if matches(env) {
        Ok(())
    } else {
        Err(Error::StillMissing {
            tool,
            detail: "`geckodriver --version` does not report it; is Cargo's bin directory shadowed on PATH?".into(),
        })
    }
}

/// npm's binaryen (wasm-opt for Trunk), playwright-core (browser E2E tests) and
/// oidc-provider + jose (the OpenID provider of the sign-in tests), from the committed
/// package-lock.json.
fn npm_packages(env: &Env) -> Result<()> {
    let tool = "npm packages (binaryen, playwright-core, oidc-provider, jose)";
    let lock = env.root.join("package-lock.json");
    let modules = env.root.join("node_modules");
    // npm writes node_modules/.package-lock.json after every install; if it is newer than the
    // committed lock file, the tree matches the lock file.
    let installed_at = modified(&modules.join(".package-lock.json"));
    let wanted_at = modified(&lock).max(modified(&env.root.join("package.json")));
    let complete =
        ["playwright-core", "oidc-provider", "jose"].iter().all(|p| modules.join(p).join("package.json").exists())
            && modules.join(".bin/wasm-opt").exists();
    if complete && installed_at.is_some() && installed_at >= wanted_at {
        present(tool);
        return Ok(());
    }
    installing(tool);
    let args: &[&str] =
        if lock.exists() { &["ci", "--no-audit", "--no-fund"] } else { &["install", "--no-audit", "--no-fund"] };
    proc::run(tool, env.cmd("npm").args(args))
}

/// The python of the foundry-dev-tools compatibility check's venv.
pub fn fdt_python(env: &Env) -> PathBuf {
    FDT_VENV.bin(env, "python")
}

/// A venv under the target directory holding the exact packages of a requirements file.
pub struct PinnedVenv {
    /// The folder's name under the target directory.
    pub dir: &'static str,
    /// The requirements file, relative to the repository root.
    pub requirements: &'static str,
    /// The package whose pinned version tells whether the venv is current (as written in
    /// the requirements file, extras included).
    pub package: &'static str,
    /// The distribution name `importlib.metadata.version` knows it by.
    pub distribution: &'static str,
    /// Python that imports what the tests use, so a half-installed venv is not "present".
    pub import_check: &'static str,
}

/// The foundry-dev-tools compatibility check's venv.
pub const FDT_VENV: PinnedVenv = PinnedVenv {
    dir: "fdt-venv",
    requirements: FDT_REQUIREMENTS,
    package: FDT_PACKAGE,
    distribution: FDT_PACKAGE,
    import_check: "import foundry_dev_tools.clients.build2",
};

/// The official foundry-platform-sdk of tests/compat/sdk_compat.py.
pub const SDK_VENV: PinnedVenv = PinnedVenv {
    dir: "sdk-venv",
    requirements: "tests/compat/sdk-requirements.txt",
    package: "foundry-platform-sdk",
    distribution: "foundry-platform-sdk",
    import_check: "import foundry_sdk.v2.orchestration",
};

/// The Ray head of the Ray executor tests (384 MB installed).
pub const RAY_VENV: PinnedVenv = PinnedVenv {
    dir: "ray-venv",
    requirements: "tests/ray/requirements.txt",
    package: "ray[default]",
    distribution: "ray",
    import_check: "import ray.dashboard, ray.scripts.scripts",
};

/// The `schemathesis` check's venv (schemathesis 4.32.5 and its tree).
pub const SCHEMATHESIS_VENV: PinnedVenv = PinnedVenv {
    dir: "schemathesis-venv",
    requirements: "tests/schemathesis/requirements.txt",
    package: "schemathesis",
    distribution: "schemathesis",
    import_check: "import schemathesis",
};

impl PinnedVenv {
    pub fn path(&self, env: &Env) -> PathBuf {
        env.target.join(self.dir)
    }

    /// A program of the venv's `bin/`.
    pub fn bin(&self, env: &Env, program: &str) -> PathBuf {
        self.path(env).join("bin").join(program)
    }
}

fn fdt_venv(env: &Env) -> Result<()> {
    pinned_venv(env, &FDT_VENV)
}

fn ray_venv(env: &Env) -> Result<()> {
    pinned_venv(env, &RAY_VENV)
}

fn schemathesis_venv(env: &Env) -> Result<()> {
    pinned_venv(env, &SCHEMATHESIS_VENV)
}

/// Makes `target/<dir>` hold the exact packages of the requirements file.
///
/// Present when the venv's python imports the package at the pinned version and the
/// requirements it was last installed from (a copy kept in the venv) are today's.
fn pinned_venv(env: &Env, spec: &PinnedVenv) -> Result<()> {
    let req_path = env.root.join(spec.requirements);
    let requirements = fs::read_to_string(&req_path).map_err(|e| Error::io(req_path.display().to_string(), e))?;
    let version = pinned_version(&requirements, spec.package).ok_or_else(|| Error::StillMissing {
        tool: spec.package.into(),
        detail: format!("{} pins no `{}==VERSION`", spec.requirements, spec.package),
    })?;
    let tool = format!("{} {version} (venv target/{})", spec.package, spec.dir);
    let venv = spec.path(env);
    let python = spec.bin(env, "python");
    let stamp = venv.join("kiln-requirements.txt");
    let check =
        format!("import importlib.metadata as m; {}; print(m.version({:?}))", spec.import_check, spec.distribution);
    let installed = |env: &Env| probe(env.cmd(&python).args(["-c", &check]));
    let current = installed(env);
    if current.as_deref() == Some(version) && fs::read_to_string(&stamp).is_ok_and(|s| s == requirements) {
        present(&tool);
        return Ok(());
    }
    installing(&tool);
    if probe(env.cmd(&python).arg("--version")).is_none() {
        // Missing, or broken (its base interpreter is gone): start over.
        if venv.exists() {
            fs::remove_dir_all(&venv).map_err(|e| Error::io(format!("removing {}", venv.display()), e))?;
        }
        python_venv_module(env, &tool)?;
        proc::run(&tool, env.cmd("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    proc::run(
        &tool,
        env.cmd(&python).args(["-m", "pip", "install", "--disable-pip-version-check", "-r"]).arg(&req_path),
    )?;
    match installed(env) {
        Some(got) if got == version => {
            fs::write(&stamp, &requirements).map_err(|e| Error::io(format!("writing {}", stamp.display()), e))
        }
        got => Err(Error::StillMissing {
            tool,
            detail: format!("the venv's python reports {} {got:?}", spec.distribution),
        }),
    }
}

/// A `python3` whose `venv` module can bootstrap pip. Debian's python3 splits `ensurepip`
/// into the python3-venv package; a pyenv or python.org build has it already.
fn python_venv_module(env: &Env, tool: &str) -> Result<()> {
    let usable = |env: &Env| probe(env.cmd("python3").args(["-c", "import ensurepip, venv"])).is_some();
    if usable(env) {
        return Ok(());
    }
    println!("    python3 has no ensurepip/venv: installing Debian's python3 and python3-venv");
    proc::run(tool, env.cmd("apt-get").arg("update").env("DEBIAN_FRONTEND", "noninteractive"))?;
    proc::run(
        tool,
        env.cmd("apt-get").args(["install", "-y", "python3", "python3-venv"]).env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    if usable(env) {
        Ok(())
    } else {
        Err(Error::StillMissing {
            tool: tool.to_owned(),
            detail: "`python3 -c 'import ensurepip, venv'` still fails; is another python3 first on PATH?".into(),
        })
    }
}

/// The version `NAME==VERSION` pins in a requirements file (names compare as pip does:
/// case-insensitive, `-`, `_` and `.` alike).
fn pinned_version<'a>(requirements: &'a str, package: &str) -> Option<&'a str> {
    let norm = |name: &str| name.trim().to_ascii_lowercase().replace(['_', '.'], "-");
    requirements.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or_default().trim();
        let (name, version) = line.split_once("==")?;
        (norm(name) == norm(package)).then(|| version.trim())
    })
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
    fn pinned_version_matches_names_as_pip_does() {
        let req = "# a comment\nfoundry-dev-tools-transforms==9.9.9\nFoundry_Dev.Tools == 2.1.25  # the client\n";
        assert_eq!(pinned_version(req, "foundry-dev-tools"), Some("2.1.25"));
        assert_eq!(pinned_version(req, "requests"), None);
    }

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
