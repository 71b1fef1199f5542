//! The `salarygraph` binary, built inside the test package so that tests can run it as a
//! real process (start-up, configuration errors, subcommands).

fn main() -> std::process::ExitCode {
    api::cli::main()
}
