//! The full console: every page (see `kiln_console::handoff`).
fn main() {
    kiln_console::start_full();
}
