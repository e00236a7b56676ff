fn main() {
    kiln_console::start();
}
