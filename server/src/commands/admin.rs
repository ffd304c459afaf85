//! Administration from the command line: migrations, users, tokens, libraries.

use crate::config::Settings;
use anyhow::{Context, bail};
use backend::auth::{tokens, users};
use backend::entities::user;
use backend::libraries::FolderChoice;
use backend::{AppState, db};
use domain::api::UserInfo;
use std::io::BufRead;

async fn open(settings: &Settings) -> anyhow::Result<AppState> {
    let conn = db::open(&settings.config.database_url)
        .await
        .with_context(|| format!("opening the database {}", settings.config.database_url))?;
    Ok(AppState::new(conn, settings.config.clone()))
}

async fn existing_user(state: &AppState, name: &str) -> anyhow::Result<user::Model> {
    users::find_by_name(&state.db, name)
        .await
        .map_err(backend::ApiError::from)?
        .with_context(|| format!("there is no user called {name}"))
}

pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    open(settings).await?;
    println!("The database is up to date.");
    Ok(())
}

pub async fn create_user(
    settings: &Settings,
    name: &str,
    password_stdin: bool,
    admin: bool,
) -> anyhow::Result<()> {
    if !password_stdin {
        bail!(
            "give the password on standard input with --password-stdin, e.g. `echo 'secret' | ott user create {name} --password-stdin`"
        );
    }
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("reading the password")?;
    let password = password.trim_end_matches(['\r', '\n']);
    let state = open(settings).await?;
    let user = users::create(&state, name, password, admin)
        .await
        .map_err(backend::ApiError::from)?;
    let info = UserInfo {
        id: user.id,
        username: user.username,
        is_admin: user.is_admin,
    };
    println!("{}", serde_json::to_string(&info)?);
    Ok(())
}

pub async fn create_token(settings: &Settings, user: &str, name: &str) -> anyhow::Result<()> {
    let state = open(settings).await?;
    let owner = existing_user(&state, user).await?;
    let created = tokens::create(&state.db, owner.id, name).await?;
    println!("{}", created.token);
    Ok(())
}

pub async fn create_library(
    settings: &Settings,
    owner: &str,
    name: &str,
    path: Option<&str>,
) -> anyhow::Result<()> {
    let state = open(settings).await?;
    let owner = existing_user(&state, owner).await?;
    let lib = backend::libraries::create(&state, owner.id, name, path, FolderChoice::Any)
        .await
        .map_err(backend::ApiError::from)?;
    println!("{}", serde_json::to_string(&lib)?);
    Ok(())
}

pub async fn seed(
    settings: &Settings,
    owner: &str,
    name: &str,
    plan: backend::seed::Plan,
) -> anyhow::Result<()> {
    let state = open(settings).await?;
    let owner = existing_user(&state, owner).await?;
    let lib = backend::libraries::create(&state, owner.id, name, None, FolderChoice::Any)
        .await
        .map_err(backend::ApiError::from)?;
    let started = std::time::Instant::now();
    backend::seed::seed(&state.db, lib.id, plan)
        .await
        .context("seeding the library")?;
    eprintln!(
        "made {} movies, {} franchises and {} genres in {:.1} s",
        plan.movies,
        plan.collections,
        plan.genres,
        started.elapsed().as_secs_f64()
    );
    println!("{}", serde_json::to_string(&lib)?);
    Ok(())
}

/// `ott db copy`: every row into a new, empty database; then the counts are compared.
pub async fn copy_database(from: &str, to: &str) -> anyhow::Result<()> {
    for url in [from, to] {
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            bail!("{url}: a database URL starts with sqlite:, postgres:// or postgresql://");
        }
    }
    if from == to {
        bail!("--from and --to are the same database");
    }
    let source = db::open(from)
        .await
        .with_context(|| format!("opening {}", crate::database_url::redact(from)))?;
    let target = db::open(to)
        .await
        .with_context(|| format!("opening {}", crate::database_url::redact(to)))?;
    let copied = backend::transfer::copy_all(&source, &target).await?;
    let counted = backend::transfer::count_all(&target).await?;
    if counted != copied {
        bail!("the copy's row counts differ from the source's: {counted:?} vs {copied:?}");
    }
    for (table, rows) in &copied {
        println!("{table:>18}: {rows} rows");
    }
    println!(
        "Copied {} rows. Start the server with --database-url {} to use the new database.",
        copied.iter().map(|(_, n)| n).sum::<u64>(),
        crate::database_url::redact(to)
    );
    Ok(())
}
