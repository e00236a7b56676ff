//! The entry module: the builds list, handing over to `kiln-console-full` for any other
//! page (see `kiln_console::handoff`).
fn main() {
    kiln_console::start_entry();
}
