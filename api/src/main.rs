fn main() -> std::process::ExitCode {
    trackr_api::cli::main()
}
