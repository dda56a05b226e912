// glibc's allocator spent a fifth of the server's time under ingest load
// (BENCHMARKS.md); mimalloc's per-thread free lists do not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    trackr_api::cli::main()
}
