fn main() -> std::process::ExitCode {
    bglint::cli::main()
}
