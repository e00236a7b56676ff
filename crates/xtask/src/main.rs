//! Kiln's task runner, invoked as `cargo xtask <command>` (alias in `.cargo/config.toml`).
//!
//! It has no dependencies on purpose: it compiles in seconds on a fresh machine, before any of
//! the tools it installs exist.

mod checks;
mod error;
mod precompress;
mod proc;
mod ray;
mod server;
mod setup;
mod size;

use std::process::ExitCode;

use error::{Error, Result};
use proc::Env;

/// The help text.
pub const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup                  install what is missing: wasm target, rustfmt/clippy, wasm-bindgen-cli
                         (Cargo.lock's version), trunk, Chromium + chromedriver, Firefox ESR +
                         geckodriver (cargo install), npm packages,
                         the foundry-dev-tools, foundry-platform-sdk and schemathesis venvs
                         (target/fdt-venv, sdk-venv, schemathesis-venv), the Ray venv
                         (target/ray-venv, ray[default] for the Ray executor tests)
  run [-- SERVER ARGS]   setup, release Trunk build, then kiln-server on http://127.0.0.1:8080
                         (extra arguments go to kiln-server, e.g. -- --workers 4)
  test [--from CHECK]    setup, then every check CI runs, stopping at the first failure;
                         --from resumes at a check: fmt, clippy, clippy-wasm, native, ray,
                         trunk, server, wasm, wasm-firefox, e2e, fdt, schemathesis, sdk, size
  size                   setup, release Trunk build, then the wasm/JS sizes against a minimal app
  help                   this text";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match dispatch(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("\nxtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(args: &[String]) -> Result<ExitCode> {
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => return Err(Error::Usage("no command given".into())),
    };
    let no_extra = |rest: &[String]| match rest {
        [] => Ok(()),
        _ => Err(Error::Usage(format!("`{command}` takes no arguments, got {rest:?}"))),
    };
    let env = Env::detect()?;
    match command {
        "setup" => {
            no_extra(rest)?;
            setup::setup(&env)?;
        }
        "test" => {
            let from = match rest {
                [] => None,
                [flag, key] if flag == "--from" => Some(key.as_str()),
                other => {
                    return Err(Error::Usage(format!(
                        "`test` takes only `--from CHECK`, got {other:?}; the checks are: {}",
                        checks::check_keys()
                    )));
                }
            };
            checks::test(&env, from)?;
        }
        "size" => {
            no_extra(rest)?;
            setup::setup(&env)?;
            checks::trunk_build(&env)?;
            size::report(&env)?;
        }
        "run" => {
            let server_args = match rest {
                [dashes, tail @ ..] if dashes == "--" => tail,
                other => other,
            };
            return serve(&env, server_args);
        }
        "help" | "-h" | "--help" => println!("{USAGE}"),
        other => return Err(Error::Usage(format!("unknown command `{other}`"))),
    }
    Ok(ExitCode::SUCCESS)
}

/// `cargo xtask run`: builds everything and runs kiln-server in the foreground.
fn serve(env: &Env, server_args: &[String]) -> Result<ExitCode> {
    setup::setup(env)?;
    println!("\n==> trunk build --release");
    checks::trunk_build(env)?;
    println!("\n==> build kiln-server");
    checks::build_server(env)?;
    let bin = env.server_bin();
    let mut cmd = env.cmd(&bin);
    // From the repository root the server's defaults apply: --addr 127.0.0.1:8080,
    // --data-dir ./kiln-data, --ui-dir dist, the embedded demo pipeline.
    cmd.args(server_args);
    println!("\n==> kiln-server (default http://127.0.0.1:8080, Ctrl-C stops it)\n    $ {}", proc::display(&cmd));
    let status = cmd.status().map_err(|source| Error::Spawn { program: bin.display().to_string(), source })?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        // Ended by a signal (Ctrl-C): not an error of ours.
        None => ExitCode::SUCCESS,
    })
}
