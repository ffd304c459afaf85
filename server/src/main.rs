/// mimalloc keeps and reuses freed memory where glibc's allocator hands the network buffers of
/// large uploads back to the kernel and faults fresh, zeroed pages in for the next ones.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long mimalloc keeps freed memory before handing it back to the kernel. Its default, a
/// second, held a second's worth of an upload's buffers at ~120 MB/s: the peak while uploading
/// into a bucket was 116–144 MiB, 103–105 with no delay (docs/benchmarks.md). A short delay
/// still lets the next chunk's buffers reuse the last one's pages.
const PURGE_DELAY_MS: std::ffi::c_long = 100;
/// `mi_option_purge_delay` in mimalloc.h (v2 and v3); the Rust bindings name its neighbours
/// (`mi_option_eager_commit_delay` = 14, `mi_option_use_numa_nodes` = 16) but not it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // `MIMALLOC_PURGE_DELAY` in the environment still decides, as mimalloc documents.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's options (an integer it reads atomically), before any
        // thread of ours exists.
        #[allow(unsafe_code)]
        unsafe {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS)
        };
    }
    server::cli::main()
}
