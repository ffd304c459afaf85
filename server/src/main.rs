/// mimalloc keeps and reuses freed memory where glibc's allocator hands the network buffers of
/// large uploads back to the kernel and faults fresh, zeroed pages in for the next ones.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    server::cli::main()
}
