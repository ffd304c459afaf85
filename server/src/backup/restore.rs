//! `ott restore --from DIR`: a backup back into an empty data dir and an empty database.

use super::manifest::{self, MANIFEST, Manifest};
use super::{copy_hashing, hash_file, pg_tool};
use crate::config::Settings;
use anyhow::{Context, bail};
use backend::entities::library;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseBackend, EntityTrait, IntoActiveModel, Set,
    Statement,
};
use std::path::{Path, PathBuf};

pub async fn restore(settings: &Settings, from: &Path) -> anyhow::Result<()> {
    let config = &settings.config;
    let folder = if from.join(MANIFEST).is_file() {
        from.to_path_buf()
    } else {
        manifest::newest_backup(from)
            .with_context(|| format!("{} holds no backup (no manifest.json)", from.display()))?
    };
    let text = std::fs::read_to_string(folder.join(MANIFEST))
        .with_context(|| format!("reading {}", folder.join(MANIFEST).display()))?;
    let manifest: Manifest = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a backup manifest",
            folder.join(MANIFEST).display()
        )
    })?;
    if manifest.format != manifest::FORMAT {
        bail!(
            "this backup has format {}, which this version cannot read",
            manifest.format
        );
    }

    // Refuse before touching anything: nothing that exists is ever overwritten.
    let url = &config.database_url;
    ensure_empty_database(url).await?;
    // Libraries in buckets stay where they are: only folders move.
    let moves: Vec<(i32, PathBuf)> = manifest
        .libraries
        .iter()
        .filter(|lib| !domain::storage::is_bucket(&lib.path.to_string_lossy()))
        .map(|lib| {
            (
                lib.id,
                manifest::restored_path(&lib.path, &manifest.data_dir, &config.data_dir),
            )
        })
        .collect();
    for (_, path) in &moves {
        if path.exists() && std::fs::read_dir(path)?.next().is_some() {
            bail!(
                "{} already exists and is not empty; restore into an empty place",
                path.display()
            );
        }
    }
    // Files going into the data dir (the TLS certificate) must not replace anything either.
    for file in &manifest.files {
        let target = manifest::safe_relative(&file.path)
            .and_then(|relative| target_for(&relative, &manifest, &moves, &config.data_dir));
        if let Some(target) = target.filter(|t| t.exists()) {
            bail!(
                "{} already exists; restore into an empty data dir",
                target.display()
            );
        }
    }
    let dump = folder.join(&manifest.database.file);
    if hash_file(&dump)? != manifest.database.sha256 {
        bail!(
            "{} is damaged: its sha256 differs from the manifest's",
            dump.display()
        );
    }

    // Files, each checked against the manifest as it is copied.
    let mut restored = 0u64;
    for file in &manifest.files {
        let relative = manifest::safe_relative(&file.path)
            .with_context(|| format!("the manifest names a bad path {:?}", file.path))?;
        let Some(target) = target_for(&relative, &manifest, &moves, &config.data_dir) else {
            bail!("the manifest's file {} belongs to no library", file.path);
        };
        std::fs::create_dir_all(target.parent().expect("a file in a folder"))?;
        let sha = copy_hashing(&folder.join(&relative), &target)?;
        if sha != file.sha256 {
            bail!(
                "{} is damaged in the backup: its sha256 differs from the manifest's",
                file.path
            );
        }
        set_modified(&target, file.modified);
        restored += 1;
    }
    for (_, path) in &moves {
        std::fs::create_dir_all(path)?;
    }

    restore_database(&manifest.database.kind, &dump, url).await?;
    let db = backend::db::open(url).await?;
    for (id, path) in &moves {
        if let Some(lib) = library::Entity::find_by_id(*id).one(&db).await? {
            let path = path.to_string_lossy().into_owned();
            if lib.path != path {
                let mut lib = lib.into_active_model();
                lib.path = Set(path);
                lib.update(&db).await?;
            }
        }
    }
    db.close().await?;

    if let Some(name) = &manifest.config {
        let target = config.data_dir.join("ott.toml");
        if target.exists() {
            println!(
                "The backup's config file was not restored: {} already exists.",
                target.display()
            );
        } else {
            std::fs::copy(folder.join(name), &target)?;
            println!(
                "The config file is back as {} (start with --config {0}).",
                target.display()
            );
        }
    }
    println!(
        "Restored {} from {}: the database and {restored} file(s), every sha256 checked.",
        config.data_dir.display(),
        folder.display()
    );
    check_objects(config, &manifest).await;
    Ok(())
}

/// Says whether the buckets still hold the objects the backup recorded, unchanged (same size
/// and checksum). Only said: the objects are the stores' to keep.
async fn check_objects(config: &backend::Config, manifest: &Manifest) {
    let buckets = backend::storage::Buckets::default();
    for lib in &manifest.libraries {
        let recorded: Vec<_> = manifest
            .objects
            .iter()
            .filter(|o| o.library_id == lib.id)
            .collect();
        let path = lib.path.to_string_lossy();
        if recorded.is_empty() || !domain::storage::is_bucket(&path) {
            continue;
        }
        let opened = domain::storage::BucketLocation::parse(&path)
            .map_err(backend::storage::StorageError::from)
            .and_then(|l| backend::storage::open_bucket(config, &buckets, l));
        let bucket = match opened {
            Ok(bucket) => bucket,
            Err(e) => {
                println!(
                    "Could not check the objects of library \"{}\" ({path}): {e}",
                    lib.name
                );
                continue;
            }
        };
        match differences(&bucket, &recorded).await {
            Ok(differ) if differ.is_empty() => println!(
                "Library \"{}\" ({path}): its bucket holds the {} object(s) the backup recorded, unchanged.",
                lib.name,
                recorded.len()
            ),
            Ok(differ) => println!(
                "Library \"{}\" ({path}): {} of the {} object(s) the backup recorded are missing or changed in the bucket: {}",
                lib.name,
                differ.len(),
                recorded.len(),
                differ.join(", ")
            ),
            Err(e) => println!(
                "Could not check the objects of library \"{}\" ({path}): {e}",
                lib.name
            ),
        }
    }
}

/// The recorded objects the bucket no longer holds as they were, each with what became of it.
async fn differences(
    bucket: &backend::storage::Bucket,
    recorded: &[&manifest::ObjectEntry],
) -> Result<Vec<String>, backend::storage::StorageError> {
    let mut differ = Vec::new();
    for object in recorded {
        match bucket.stat(&object.key).await? {
            Some(now) if now.size == object.size && now.etag == object.etag => {}
            Some(_) => differ.push(format!("{} (changed)", object.key)),
            None => differ.push(format!("{} (missing)", object.key)),
        }
    }
    Ok(differ)
}

/// Where a backed-up file goes: into its library's (possibly moved) folder, or the data dir.
fn target_for(
    relative: &Path,
    manifest: &Manifest,
    moves: &[(i32, PathBuf)],
    data_dir: &Path,
) -> Option<PathBuf> {
    if let Ok(rest) = relative.strip_prefix("data") {
        return Some(data_dir.join(rest));
    }
    manifest.libraries.iter().find_map(|lib| {
        let rest = relative.strip_prefix(&lib.folder).ok()?;
        let (_, path) = moves.iter().find(|(id, _)| *id == lib.id)?;
        Some(path.join(rest))
    })
}

fn set_modified(path: &Path, millis: i64) {
    let when = std::time::UNIX_EPOCH + std::time::Duration::from_millis(millis.max(0) as u64);
    if let Ok(file) = std::fs::File::options().write(true).open(path) {
        let _ = file.set_modified(when);
    }
}

/// The database must hold nothing yet: no tables on PostgreSQL, no file (or an empty one) on
/// SQLite.
async fn ensure_empty_database(url: &str) -> anyhow::Result<()> {
    if let Some(path) = sqlite_path(url) {
        if path.exists() && std::fs::metadata(&path)?.len() > 0 {
            bail!(
                "the database {} already exists; restore into an empty data dir",
                path.display()
            );
        }
        return Ok(());
    }
    let db = backend::db::connect(url).await?;
    let row = db
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
        ))
        .await?;
    let tables: i64 = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
    db.close().await?;
    if tables > 0 {
        bail!("the database already has tables; restore into a new, empty database");
    }
    Ok(())
}

/// The file of a `sqlite://PATH?…` or `sqlite:PATH` URL.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    Some(PathBuf::from(path))
}

async fn restore_database(kind: &str, dump: &Path, url: &str) -> anyhow::Result<()> {
    match (kind, sqlite_path(url)) {
        ("sqlite", Some(path)) => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::copy(dump, &path)
                .with_context(|| format!("writing the database {}", path.display()))?;
        }
        ("sqlite", None) => {
            // Into PostgreSQL: row by row from a scratch copy of the SQLite file.
            let scratch = std::env::temp_dir().join(format!("ott-restore-{}", std::process::id()));
            std::fs::create_dir_all(&scratch)?;
            let copy = scratch.join("restore.sqlite");
            std::fs::copy(dump, &copy)?;
            let copied = async {
                let from =
                    backend::db::open(&format!("sqlite://{}?mode=rwc", copy.display())).await?;
                let to = backend::db::open(url).await?;
                backend::transfer::copy_all(&from, &to).await?;
                from.close().await?;
                anyhow::Ok(())
            }
            .await;
            let _ = std::fs::remove_dir_all(&scratch);
            copied?;
        }
        ("postgres", None) => {
            let out = crate::database_url::pg_command(&pg_tool("pg_restore"), url)
                .args(["--no-owner", "--no-privileges", "--exit-on-error"])
                .arg(dump)
                .output()
                .context("running pg_restore (install PostgreSQL's client programs)")?;
            if !out.status.success() {
                bail!(
                    "pg_restore failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
        }
        ("postgres", Some(_)) => bail!(
            "this backup holds a PostgreSQL database: restore it with --database-url postgres://… \
             (`ott db copy` can move it to SQLite afterwards)"
        ),
        (other, _) => bail!("unknown database kind {other:?} in the manifest"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_path("sqlite:///srv/ott/ott.db?mode=rwc"),
            Some(PathBuf::from("/srv/ott/ott.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:data/ott.db"),
            Some(PathBuf::from("data/ott.db"))
        );
        assert_eq!(sqlite_path("postgres://ott@db/ott"), None);
    }
}
