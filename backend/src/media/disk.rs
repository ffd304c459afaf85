//! The disk under a library or the upload staging: its free space, and making a rename on it
//! durable; and the scratch names for work on a bucket library's files done on this machine.

use std::io;
use std::path::Path;

/// Bytes an unprivileged process may still write on the filesystem of `path` (the nearest
/// existing ancestor when `path` does not exist yet).
pub fn available(path: &Path) -> io::Result<u64> {
    Ok(available_and_total(path)?.0)
}

/// What [`available`] says, and the filesystem's size.
pub fn available_and_total(path: &Path) -> io::Result<(u64, u64)> {
    let stat = rustix::fs::statvfs(existing(path))?;
    Ok((
        stat.f_bavail.saturating_mul(stat.f_frsize),
        stat.f_blocks.saturating_mul(stat.f_frsize),
    ))
}

/// `path`, or its nearest ancestor that exists.
fn existing(path: &Path) -> &Path {
    let mut probe = path;
    while !probe.exists() {
        probe = probe.parent().unwrap_or(Path::new("/"));
    }
    probe
}

/// The filesystem (device id) that holds `path`, or would hold it once created.
pub fn device(path: &Path) -> io::Result<u64> {
    use std::os::unix::fs::MetadataExt;
    Ok(std::fs::metadata(existing(path))?.dev())
}

/// Whether two existing paths are on the same filesystem (a rename between them works).
pub fn same_filesystem(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev(),
        _ => false,
    }
}

/// Makes a rename or a new entry in `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// A name of its own in the system's temp dir, `ott-<what>-<random><suffix>`: for the files
/// that work on a bucket library's objects writes on this machine (a probed first chunk, a
/// downloaded trailer, a converted film), which two requests or instances may do at once.
pub fn scratch(what: &str, suffix: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ott-{what}-{}{suffix}", rand::random::<u64>()))
}
