//! Creates or updates `<repo>/.venv` the way `cargo xtask setup` does:
//! `cargo run -p cima-testkit --example setup_venv`.

fn main() -> cima_testkit::Result<()> {
    cima_testkit::create_venv(&cima_testkit::repo_root()).map(drop)
}
