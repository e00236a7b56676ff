//! Browser tests of the console, run by wasm-bindgen-test in headless Chromium.
//!
//! One test binary keeps the wasm build count at one; each area has its own module.
//! Tests that fetch talk to a real kiln-server whose URL `cargo xtask test` passes in
//! `KILN_TEST_SERVER` at compile time.

mod archive;
mod auth;
mod builds;
mod common;
mod dialogs;
mod filter_typing;
mod foundry;
mod live;
mod reports;
mod shell;
mod submit;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
