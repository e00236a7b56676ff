//! `cargo xtask size`: the release console's wasm and JS sizes, raw and gzipped, against a
//! minimal yew 0.23 app built with the same profile (docs: toolchain.md).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::error::{Error, Result};
use crate::proc::Env;

/// A minimal yew 0.23 app: (raw, gzip) in KiB.
const BASELINE_WASM: (f64, f64) = (119.0, 51.0);
const BASELINE_JS: (f64, f64) = (27.0, 6.0);

/// Prints the sizes of dist/*.wasm and dist/*.js (run after a release Trunk build).
pub fn report(env: &Env) -> Result<()> {
    let dist = env.dist();
    let mut files: Vec<PathBuf> = fs::read_dir(&dist)
        .map_err(|e| Error::io(format!("reading {}", dist.display()), e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| has_ext(p, "wasm") || has_ext(p, "js"))
        .collect();
    files.sort();
    if !files.iter().any(|p| has_ext(p, "wasm")) {
        return Err(Error::NoArtifacts { dir: dist, kind: ".wasm" });
    }

    println!("    {:<44} {:>10} {:>10} {:>10}", "file", "raw KiB", "gzip KiB", "served br");
    // [module][wasm, js]: the entry module (a cold load of the builds list) and the full
    // console (loaded on the first visit to another page); see src/handoff.rs.
    let mut totals = [[(0.0, 0.0); 2]; 2];
    for path in &files {
        let raw = kib(fs::metadata(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?.len());
        let gz = kib(gzip_len(env, path)?);
        // The brotli copy kiln-server sends (written by the Trunk step), when there is one.
        let mut br_path = path.clone().into_os_string();
        br_path.push(".br");
        let br = fs::metadata(&br_path).map(|m| format!("{:.1}", kib(m.len()))).unwrap_or_else(|_| "-".to_owned());
        println!("    {:<44} {raw:>10.1} {gz:>10.1} {br:>10}", name_of(path));
        let module = usize::from(name_of(path).starts_with(FULL_CONSOLE));
        let slot = &mut totals[module][usize::from(has_ext(path, "js"))];
        slot.0 += raw;
        slot.1 += gz;
    }
    for (module, [wasm, js]) in ["entry module", "full console"].iter().zip(totals) {
        for (label, (raw, gz), (base_raw, base_gz)) in [("wasm", wasm, BASELINE_WASM), ("js", js, BASELINE_JS)] {
            println!(
                "    {module} {label:<4} {raw:>7.1} KiB raw ({:.2}x baseline {base_raw} KiB), {gz:>6.1} KiB gzip ({:.2}x baseline {base_gz} KiB)",
                raw / base_raw,
                gz / base_gz,
            );
        }
    }
    Ok(())
}

/// The full console's files are named after its binary (a Trunk worker asset).
const FULL_CONSOLE: &str = "kiln-console-full";

fn name_of(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn has_ext(path: &Path, ext: &str) -> bool {
    path.extension().is_some_and(|e| e == ext)
}

fn kib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0
}

/// Bytes of `gzip -9` output for the file.
fn gzip_len(env: &Env, path: &Path) -> Result<u64> {
    let out = env
        .cmd("gzip")
        .arg("-9c")
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| Error::Spawn { program: "gzip".into(), source })?;
    if !out.status.success() {
        return Err(Error::io(
            format!("gzip {}", path.display()),
            std::io::Error::other(String::from_utf8_lossy(&out.stderr).into_owned()),
        ));
    }
    Ok(out.stdout.len() as u64)
}
