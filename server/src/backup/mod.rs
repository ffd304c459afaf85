//! `ott backup` and `ott restore`: a consistent database snapshot, the config, and the library
//! files in a dated folder with a manifest of sha256s. Unchanged files are hard links to the
//! previous backup's copies (as `rsync --link-dest` does), so a nightly backup of a large
//! library costs only what changed.

pub mod manifest;
pub mod restore;

use crate::config::Settings;
use anyhow::{Context, bail};
use backend::entities::library;
use manifest::{DatabaseDump, FileEntry, LibraryEntry, MANIFEST, Manifest};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// What a backup did, for the summary line.
#[derive(Debug, Default)]
pub struct Totals {
    pub copied: u64,
    pub copied_bytes: u64,
    pub linked: u64,
    pub linked_bytes: u64,
}

pub async fn backup(settings: &Settings, to: &Path, keep: Option<u32>) -> anyhow::Result<PathBuf> {
    let config = &settings.config;
    if !to.exists() {
        private_dir(to)?;
    }
    let to = to
        .canonicalize()
        .with_context(|| format!("resolving {}", to.display()))?;
    if to.starts_with(&config.data_dir) {
        bail!(
            "back up to a folder outside the data dir {} (better: another disk)",
            config.data_dir.display()
        );
    }
    let previous = manifest::newest_backup(&to).and_then(|dir| {
        let text = std::fs::read_to_string(dir.join(MANIFEST)).ok()?;
        let manifest: Manifest = serde_json::from_str(&text).ok()?;
        Some((dir, manifest))
    });
    let now = chrono::Utc::now();
    let name = manifest::folder_name(now, |n| to.join(n).exists());
    // Work in a hidden folder and rename at the end: a backup cut short is never mistaken for
    // one, and the next run clears what it left.
    for entry in std::fs::read_dir(&to)?.filter_map(Result::ok) {
        let old = entry.file_name().to_string_lossy().into_owned();
        if old.starts_with(&format!(".{}", manifest::FOLDER_PREFIX)) && old.ends_with(".partial") {
            std::fs::remove_dir_all(entry.path())?;
        }
    }
    let work = to.join(format!(".{name}.partial"));
    // A backup holds the database (password hashes, tokens), the config (API keys) and the
    // TLS key: only the server's account may read it. Made private from the start, so that
    // nothing inside is ever reachable by others, and each file is made private at the end.
    private_dir(&work)?;

    // The database first: the files copied next are at least as new as the rows naming them.
    let db = backend::db::connect(&config.database_url)
        .await
        .context("opening the database")?;
    let database = snapshot_database(&db, &config.database_url, &work).await?;
    let libraries = library::Entity::find()
        .order_by_asc(library::Column::Id)
        .all(&db)
        .await?;
    db.close().await?;

    let mut totals = Totals::default();
    let mut files = Vec::new();
    let previous_files = previous
        .as_ref()
        .map(|(_, m)| m.files_by_path())
        .unwrap_or_default();
    let reuse = Reuse {
        dir: previous.as_ref().map(|(dir, _)| dir.as_path()),
        files: &previous_files,
    };
    let mut entries = Vec::new();
    let mut objects = Vec::new();
    let buckets = backend::storage::Buckets::default();
    for lib in &libraries {
        let folder = format!("libraries/{}", lib.id);
        let path = PathBuf::from(&lib.path);
        if domain::storage::is_bucket(&lib.path) {
            // Copying a bucket is the object store's job (its replication or its own backup):
            // the backup records what it holds.
            let listed = record_objects(config, &buckets, lib)
                .await
                .with_context(|| {
                    format!(
                        "listing the objects of library \"{}\" ({})",
                        lib.name, lib.path
                    )
                })?;
            eprintln!(
                "note: library \"{}\" is kept in the bucket {}: its {} object(s) are recorded with their checksums, not copied",
                lib.name,
                lib.path,
                listed.len()
            );
            objects.extend(listed);
        } else if path.is_dir() {
            copy_tree(&path, &work, &folder, &reuse, &mut files, &mut totals)?;
        } else {
            tracing::warn!(library = %lib.name, path = %path.display(), "the library's folder is missing; backed up without files");
            eprintln!(
                "warning: the folder of library \"{}\" ({}) is missing; its files are not in the backup",
                lib.name,
                path.display()
            );
        }
        entries.push(LibraryEntry {
            id: lib.id,
            name: lib.name.clone(),
            path,
            folder,
        });
    }
    // A self-signed certificate browsers have accepted is worth keeping.
    let tls = config.data_dir.join("tls");
    if tls.is_dir() {
        copy_tree(&tls, &work, "data/tls", &reuse, &mut files, &mut totals)?;
    }
    let config_copy = match &settings.config_file {
        Some(file) => {
            std::fs::copy(file, work.join("config.toml"))
                .with_context(|| format!("copying the config file {}", file.display()))?;
            Some("config.toml".to_owned())
        }
        None => None,
    };

    let manifest = Manifest {
        format: manifest::FORMAT,
        created: now.to_rfc3339(),
        ott_version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: config.data_dir.clone(),
        database,
        config: config_copy,
        libraries: entries,
        files,
        objects,
    };
    let mut out = std::fs::File::create(work.join(MANIFEST))?;
    out.write_all(serde_json::to_string_pretty(&manifest)?.as_bytes())?;
    out.sync_all()?;
    make_private(&work)?;
    let done = to.join(&name);
    std::fs::rename(&work, &done)?;
    if let Some(keep) = keep {
        let removed = manifest::prune(&to, keep.max(1) as usize)?;
        for old in &removed {
            println!("Removed the old backup {}.", old.display());
        }
    }
    println!(
        "Backed up to {}: the database, {} library file(s) ({} copied, {}; {} unchanged, linked to the previous backup).",
        done.display(),
        totals.copied + totals.linked,
        totals.copied,
        domain::format::size(totals.copied_bytes),
        totals.linked,
    );
    Ok(done)
}

/// The objects of a library in a bucket, with the store's checksums.
async fn record_objects(
    config: &backend::Config,
    buckets: &backend::storage::Buckets,
    lib: &library::Model,
) -> anyhow::Result<Vec<manifest::ObjectEntry>> {
    let location = domain::storage::BucketLocation::parse(&lib.path)?;
    let bucket = backend::storage::open_bucket(config, buckets, location)?;
    Ok(bucket
        .objects()
        .await?
        .into_iter()
        .map(|o| manifest::ObjectEntry {
            library_id: lib.id,
            key: o.key,
            size: o.size,
            etag: o.etag,
        })
        .collect())
}

async fn snapshot_database(
    db: &sea_orm::DatabaseConnection,
    url: &str,
    work: &Path,
) -> anyhow::Result<DatabaseDump> {
    let (kind, file) = if url.starts_with("sqlite:") {
        let file = "database.sqlite";
        let target = work.join(file);
        let quoted = target.to_string_lossy().replace('\'', "''");
        // A consistent copy while the server keeps running (readers and writers both).
        db.execute_unprepared(&format!("VACUUM INTO '{quoted}'"))
            .await
            .context("copying the SQLite database (VACUUM INTO)")?;
        ("sqlite", file)
    } else {
        let file = "database.pgdump";
        let status = crate::database_url::pg_command(&pg_tool("pg_dump"), url)
            .args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
            .arg(work.join(file))
            .status()
            .context("running pg_dump (install PostgreSQL's client programs)")?;
        if !status.success() {
            bail!("pg_dump failed ({status})");
        }
        ("postgres", file)
    };
    Ok(DatabaseDump {
        kind: kind.into(),
        file: file.into(),
        sha256: hash_file(&work.join(file))?,
    })
}

/// Creates `dir` (and its parents) with only the owner allowed in.
fn private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    Ok(())
}

/// Folders 0700 and files 0600 under `root`. Hard-linked copies share their permissions with
/// the previous backup's, which this makes private too.
fn make_private(root: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    Ok(())
}

/// A PostgreSQL program: on PATH, or the newest in Debian's versioned folders.
pub fn pg_tool(name: &str) -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join(name))
        .find(|p| p.is_file());
    if let Some(found) = on_path {
        return found;
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin").join(name))
        .filter(|p| p.is_file())
        .collect();
    versions.sort();
    versions.pop().unwrap_or_else(|| PathBuf::from(name))
}

/// The previous backup, whose unchanged copies are linked instead of copied.
struct Reuse<'a> {
    dir: Option<&'a Path>,
    files: &'a HashMap<&'a str, &'a FileEntry>,
}

/// Copies (or links) every file under `src` to `work/prefix/…`, recording it.
fn copy_tree(
    src: &Path,
    work: &Path,
    prefix: &str,
    reuse: &Reuse,
    files: &mut Vec<FileEntry>,
    totals: &mut Totals,
) -> anyhow::Result<()> {
    let mut stack = vec![(src.to_path_buf(), prefix.to_owned())];
    while let Some((dir, rel)) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            let child = format!("{rel}/{name}");
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push((path, child));
                continue;
            }
            if !kind.is_file() {
                continue; // symlinks and sockets are not library content
            }
            let meta = entry.metadata()?;
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_millis() as i64);
            let target = work.join(&child);
            std::fs::create_dir_all(target.parent().expect("inside the backup"))?;
            let linked = match (
                reuse.dir,
                manifest::unchanged(reuse.files, &child, meta.len(), modified),
            ) {
                (Some(prev_dir), Some(prev)) => std::fs::hard_link(prev_dir.join(&child), &target)
                    .ok()
                    .map(|_| prev.sha256.clone()),
                _ => None,
            };
            let sha256 = match linked {
                Some(sha) => {
                    totals.linked += 1;
                    totals.linked_bytes += meta.len();
                    sha
                }
                None => {
                    let sha = copy_hashing(&path, &target)?;
                    totals.copied += 1;
                    totals.copied_bytes += meta.len();
                    sha
                }
            };
            files.push(FileEntry {
                path: child,
                size: meta.len(),
                modified,
                sha256,
            });
        }
    }
    Ok(())
}

/// Copies `from` to `to`, returning the sha256 of what was written; the copy is on disk
/// (fsync) when this returns.
pub fn copy_hashing(from: &Path, to: &Path) -> anyhow::Result<String> {
    let mut input =
        std::fs::File::open(from).with_context(|| format!("reading {}", from.display()))?;
    let mut output =
        std::fs::File::create(to).with_context(|| format!("writing {}", to.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = input
            .read(&mut buf)
            .with_context(|| format!("reading {}", from.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        output
            .write_all(&buf[..n])
            .with_context(|| format!("writing {}", to.display()))?;
    }
    output.sync_all()?;
    Ok(hex::encode(hasher.finalize()))
}

pub fn hash_file(path: &Path) -> anyhow::Result<String> {
    let mut input =
        std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut input, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}
