//! `cargo xtask test`: every check CI runs, in order, stopping at the first failure.

use std::fs::{self, File};

use crate::error::{Error, Result};
use crate::proc::{self, Env, Steps};
use crate::server::{self, ServerOptions, TestServer};
use crate::setup;

/// The browser and driver the Debian packages install.
pub const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A browser the console's wasm-bindgen tests run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Browser {
    /// Debian's Chromium through its chromedriver.
    Chromium,
    /// Debian's Firefox ESR through geckodriver from crates.io.
    Firefox,
}

impl Browser {
    /// The runner picks a driver by the first of these variables it finds set (gecko before
    /// chrome), so each run sets its own and removes the others.
    const DRIVER_VARS: [&'static str; 4] = ["GECKODRIVER", "SAFARIDRIVER", "CHROMEDRIVER", "MSEDGEDRIVER"];

    fn driver(self) -> (&'static str, &'static str) {
        match self {
            Browser::Chromium => ("CHROMEDRIVER", CHROMEDRIVER),
            // Found on the tool PATH (Cargo's bin directory), where `setup` installs it.
            Browser::Firefox => ("GECKODRIVER", "geckodriver"),
        }
    }

    /// The capabilities file: the browser binary and its flags (the runner adds headless).
    fn webdriver_json(self) -> &'static str {
        match self {
            Browser::Chromium => "webdriver.json",
            Browser::Firefox => "webdriver-firefox.json",
        }
    }
}

/// Preferred loopback ports for the wasm-bindgen-test step. They end up in the test binaries
/// (the server URL at compile time) and in the server's CORS allow-list, so keeping them
/// stable between runs avoids recompiling the tests; busy ports fall back to free ones.
const WASM_TEST_SERVER_PORT: u16 = 47180;
const WASM_TEST_RUNNER_PORT: u16 = 47181;

/// The script that drives the real foundry-dev-tools client against a server.
const FDT_COMPAT_SCRIPT: &str = "tests/compat/fdt_compat.py";

/// schemathesis's settings: seed, bounds, the four checks, the one operation left out.
const SCHEMATHESIS_CONFIG: &str = "tests/schemathesis/schemathesis.toml";

/// A test pipeline for the browser tests, used instead of the embedded demo when present.
const FIXTURE_PIPELINE: &str = "tests/fixtures/pipeline.toml";

/// One check of `cargo xtask test`, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Fmt,
    ClippyNative,
    ClippyWasm,
    NativeTests,
    RayTests,
    TrunkBuild,
    BuildServer,
    WasmTests,
    WasmTestsFirefox,
    E2e,
    FdtCompat,
    Schemathesis,
    SdkCompat,
    Size,
}

impl Check {
    const ALL: [Check; 14] = [
        Check::Fmt,
        Check::ClippyNative,
        Check::ClippyWasm,
        Check::NativeTests,
        Check::RayTests,
        Check::TrunkBuild,
        Check::BuildServer,
        Check::WasmTests,
        Check::WasmTestsFirefox,
        Check::E2e,
        Check::FdtCompat,
        Check::Schemathesis,
        Check::SdkCompat,
        Check::Size,
    ];

    /// The short name `--from` takes.
    fn key(self) -> &'static str {
        match self {
            Check::Fmt => "fmt",
            Check::ClippyNative => "clippy",
            Check::ClippyWasm => "clippy-wasm",
            Check::NativeTests => "native",
            Check::RayTests => "ray",
            Check::TrunkBuild => "trunk",
            Check::BuildServer => "server",
            Check::WasmTests => "wasm",
            Check::WasmTestsFirefox => "wasm-firefox",
            Check::E2e => "e2e",
            Check::FdtCompat => "fdt",
            Check::Schemathesis => "schemathesis",
            Check::SdkCompat => "sdk",
            Check::Size => "size",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Check::Fmt => "rustfmt",
            Check::ClippyNative => "clippy (native crates)",
            Check::ClippyWasm => "clippy (console, wasm32)",
            Check::NativeTests => "native tests",
            Check::RayTests => "Ray executor (one-node Ray head on loopback)",
            Check::TrunkBuild => "trunk build --release",
            Check::BuildServer => "build kiln-server",
            Check::WasmTests => "wasm-bindgen-test (headless Chromium)",
            Check::WasmTestsFirefox => "wasm-bindgen-test (headless Firefox)",
            Check::E2e => "browser E2E (node --test tests/e2e/)",
            Check::FdtCompat => "foundry-dev-tools compatibility",
            Check::Schemathesis => "schemathesis (OpenAPI document)",
            Check::SdkCompat => "foundry-platform-sdk compatibility",
            Check::Size => "console size",
        }
    }

    fn run(self, env: &Env) -> Result<()> {
        let cargo = |args: &[&str]| proc::run(self.title(), &mut env.cargo(args));
        match self {
            Check::Fmt => cargo(&["fmt", "--all", "--check"]),
            Check::ClippyNative => {
                cargo(&["clippy", "--workspace", "--exclude", "kiln-console", "--all-targets", "--", "-D", "warnings"])
            }
            Check::ClippyWasm => cargo(&[
                "clippy",
                "-p",
                "kiln-console",
                "--target",
                "wasm32-unknown-unknown",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
            Check::NativeTests => cargo(&["test", "--workspace", "--exclude", "kiln-console"]),
            Check::RayTests => crate::ray::tests(env),
            Check::TrunkBuild => trunk_build(env),
            Check::BuildServer => build_server(env),
            Check::WasmTests => wasm_tests(env, Browser::Chromium),
            Check::WasmTestsFirefox => wasm_tests(env, Browser::Firefox),
            Check::E2e => e2e(env),
            Check::FdtCompat => fdt_compat(env),
            Check::Schemathesis => schemathesis(env),
            Check::SdkCompat => sdk_compat(env),
            Check::Size => crate::size::report(env),
        }
    }
}

/// The `--from` keys, for the help text.
pub fn check_keys() -> String {
    Check::ALL.map(Check::key).join(", ")
}

/// Runs setup and then every check, or the checks from `from` on (a re-run after a fix).
pub fn test(env: &Env, from: Option<&str>) -> Result<()> {
    let first = match from {
        None => 0,
        Some(key) => Check::ALL
            .iter()
            .position(|c| c.key() == key)
            .ok_or_else(|| Error::Usage(format!("unknown check `{key}`; the checks are: {}", check_keys())))?,
    };
    let checks = &Check::ALL[first..];
    let mut steps = Steps::new(checks.len() + 1, &env.target);
    steps.run("setup", || setup::setup(env))?;
    for check in checks {
        steps.run(check.title(), || check.run(env))?;
    }
    steps.summary();
    Ok(())
}

/// `trunk build --release` into dist/, then `.br` and `.gz` copies of its hashed files.
///
/// Two Trunk builds in one tree trip over each other's `dist/.stage`, so xtask's builds take
/// turns through a lock file in the target directory.
pub fn trunk_build(env: &Env) -> Result<()> {
    let dir = env.target.join("xtask");
    fs::create_dir_all(&dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let lock_path = dir.join("trunk.lock");
    let lock = File::create(&lock_path).map_err(|e| Error::io(format!("creating {}", lock_path.display()), e))?;
    if lock.try_lock().is_err() {
        println!("    waiting for another xtask Trunk build in this tree to finish…");
        lock.lock().map_err(|e| Error::io(format!("locking {}", lock_path.display()), e))?;
    }
    let result = proc::run("trunk build --release", env.cmd("trunk").args(["build", "--release"]))
        .and_then(|()| crate::precompress::dist(env));
    drop(lock);
    result
}

/// Builds the debug `kiln-server` (see [`Env::server_bin`]). Debug, not release: it reuses
/// what the native tests compiled, and the release profile (lto, one codegen unit, tuned for
/// the wasm) would cost minutes on a fresh machine.
pub fn build_server(env: &Env) -> Result<()> {
    proc::run("build kiln-server", &mut env.cargo(["build", "--workspace", "--exclude", "kiln-console"]))
}

/// The console's wasm-bindgen tests in one headless browser, against a real kiln-server.
///
/// The runner serves its test page at the fixed `WASM_BINDGEN_TEST_ADDRESS`, so its origin is
/// known in advance and the server allows it with `--cors-origin`. Tests read the server URL
/// with `option_env!("KILN_TEST_SERVER")`. Both browsers get the same ports when they are
/// free, so the Firefox run reuses the test binaries the Chromium run compiled.
fn wasm_tests(env: &Env, browser: Browser) -> Result<()> {
    let step = match browser {
        Browser::Chromium => "wasm-bindgen-test (Chromium)",
        Browser::Firefox => "wasm-bindgen-test (Firefox)",
    };
    let runner_port = server::free_port(Some(WASM_TEST_RUNNER_PORT))?;
    let mut server_port = server::free_port(Some(WASM_TEST_SERVER_PORT))?;
    while server_port == runner_port {
        server_port = server::free_port(None)?;
    }
    let runner_origin = format!("http://127.0.0.1:{runner_port}");
    let fixture = env.root.join(FIXTURE_PIPELINE);
    let server = TestServer::start(
        env,
        &env.server_bin(),
        ServerOptions {
            port: Some(server_port),
            pipeline: fixture.exists().then_some(fixture),
            ui_dir: Some(env.dist()),
            cors_origins: vec![runner_origin],
        },
    )?;
    let mut cmd = env.cargo(["test", "-p", "kiln-console", "--target", "wasm32-unknown-unknown"]);
    for var in Browser::DRIVER_VARS {
        cmd.env_remove(var).env_remove(format!("{var}_REMOTE"));
    }
    let (driver_var, driver) = browser.driver();
    cmd.env("KILN_TEST_SERVER", &server.url)
        .env(driver_var, driver)
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", env.root.join(browser.webdriver_json()))
        .env("WASM_BINDGEN_TEST_ADDRESS", format!("127.0.0.1:{runner_port}"))
        // Every test binary runs in the browser, even one that forgot
        // `wasm_bindgen_test_configure!(run_in_browser)`.
        .env("WASM_BINDGEN_USE_BROWSER", "1")
        // The console itself is not cross-origin isolated; neither is its test page.
        .env("WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION", "1")
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
        .env("WASM_BINDGEN_TEST_DRIVER_TIMEOUT", "30");
    let result = proc::run(step, &mut cmd);
    if result.is_err() {
        server.print_log_tail();
    }
    drop(server);
    result
}

/// The browser E2E tests; each test file starts its own server through tests/e2e/helpers.mjs.
fn e2e(env: &Env) -> Result<()> {
    let mut cmd = env.cmd("node");
    cmd.args(["--test", "--test-concurrency=1", "tests/e2e/"])
        .env("KILN_SERVER_BIN", env.server_bin())
        .env("KILN_UI_DIR", env.dist())
        .env("KILN_CHROMIUM", CHROMIUM);
    proc::run("browser E2E", &mut cmd)
}

/// The real, unmodified foundry-dev-tools client (the venv `setup` makes) against a
/// throw-away kiln-server with the embedded demo pipeline: submit a build, read the build and
/// job reports, and the 204 of an unknown RID.
fn fdt_compat(env: &Env) -> Result<()> {
    let python = setup::fdt_python(env);
    client_compat(env, "foundry-dev-tools compatibility", &python, FDT_COMPAT_SCRIPT)
}

/// The official, unmodified foundry-platform-sdk against the public Orchestration v2 API of a
/// throw-away kiln-server (tests/compat/sdk_compat.py).
fn sdk_compat(env: &Env) -> Result<()> {
    let python = setup::SDK_VENV.bin(env, "python");
    client_compat(env, "foundry-platform-sdk compatibility", &python, "tests/compat/sdk_compat.py")
}

fn client_compat(env: &Env, step: &str, python: &std::path::Path, script: &str) -> Result<()> {
    let server = TestServer::start(env, &env.server_bin(), ServerOptions::default())?;
    let mut cmd = env.cmd(python);
    cmd.arg(script).arg(&server.url).env("PYTHONDONTWRITEBYTECODE", "1");
    let result = proc::run(step, &mut cmd);
    if result.is_err() {
        server.print_log_tail();
    }
    drop(server);
    result
}

/// schemathesis (the venv `setup` makes) against `/api/v1/openapi.json` of a throw-away
/// kiln-server with the embedded demo pipeline, after one build has run so that team build
/// paths find something. Its settings, including the four checks, are in
/// tests/schemathesis/schemathesis.toml; it must report 0 failures.
fn schemathesis(env: &Env) -> Result<()> {
    let step = "schemathesis";
    let server = TestServer::start(env, &env.server_bin(), ServerOptions::default())?;
    let result = server.seed_build("clean/orders").and_then(|()| {
        // Its working folder collects hypothesis' files; keep them out of the tree.
        let work = env.target.join("xtask/schemathesis");
        fs::create_dir_all(&work).map_err(|e| Error::io(format!("creating {}", work.display()), e))?;
        let mut cmd = env.cmd(setup::SCHEMATHESIS_VENV.bin(env, "schemathesis"));
        cmd.arg("--config-file")
            .arg(env.root.join(SCHEMATHESIS_CONFIG))
            .arg("run")
            .arg(format!("{}/api/v1/openapi.json", server.url))
            .arg("--no-color")
            .current_dir(&work);
        proc::run(step, &mut cmd)
    });
    if result.is_err() {
        server.print_log_tail();
    }
    drop(server);
    result
}
