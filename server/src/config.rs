//! Resolving settings: defaults < config file < environment < flags.
//!
//! clap already merges flags over environment variables; the config file fills in what
//! neither gave, and built-in defaults (Leptos.toml for the address) fill in the rest.

use anyhow::{Context, bail};
use clap::Args;
use leptos_config::LeptosOptions;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Options every subcommand accepts.
#[derive(Args, Clone, Debug, Default)]
pub struct GlobalArgs {
    /// TOML file of settings (`ott config keys` lists them).
    #[arg(long, env = "OTT_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the server keeps its database, default libraries and upload staging.
    #[arg(long, env = "OTT_DATA_DIR", global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database to use [default: SQLite in the data dir]; `postgres://user@host/db` works too.
    #[arg(long, env = "OTT_DATABASE_URL", global = true, value_name = "URL")]
    pub database_url: Option<String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    addr: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    secure_cookies: Option<bool>,
    header_timeout_secs: Option<u64>,
    body_timeout_secs: Option<u64>,
    idle_timeout_secs: Option<u64>,
    max_connections: Option<usize>,
    session_days: Option<u32>,
    login_attempts_per_ip_per_minute: Option<u32>,
    login_attempts_per_user: Option<u32>,
    registrations_per_ip_per_hour: Option<u32>,
    upload_chunk_size: Option<u64>,
    upload_max_chunk_size: Option<u64>,
    upload_max_size: Option<u64>,
    storage_reserve: Option<u64>,
    upload_max_age_days: Option<u32>,
    subtitle_max_size: Option<u64>,
    upload_quota_bytes: Option<u64>,
    uploads_open_per_user: Option<u32>,
    imdb_suggest_url: Option<String>,
    metadata_timeout_secs: Option<u64>,
    imdb_url: Option<String>,
    tmdb_url: Option<String>,
    tmdb_image_url: Option<String>,
    tmdb_api_key: Option<String>,
    omdb_url: Option<String>,
    omdb_api_key: Option<String>,
    metadata_providers: Option<Vec<String>>,
    trusted_proxies: Option<Vec<String>>,
    storage_warning_percent: Option<u8>,
    ffmpeg: Option<String>,
    library_roots: Option<Vec<PathBuf>>,
    transcode_limit: Option<usize>,
    copy_session_limit: Option<usize>,
    playback_idle_secs: Option<u64>,
    slow_machine: Option<bool>,
    object_stores: Option<std::collections::BTreeMap<String, FileObjectStore>>,
}

/// An entry of `object_stores`; the keys may come from the environment instead.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct FileObjectStore {
    endpoint: String,
    region: Option<String>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    /// `proxy` (default: the bytes pass through the server) or `redirect` (players get a
    /// signed link to the store).
    streams: Option<String>,
    /// Sign each request's body (its SHA-256). Default: only when the endpoint is plain
    /// `http://`, as the AWS tools do (TLS guards the bytes otherwise).
    sign_payload: Option<bool>,
}

/// Everything `serve` and the other commands need, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: backend::Config,
    /// The --config file, if one was given (backups keep a copy).
    pub config_file: Option<PathBuf>,
    pub addr: SocketAddr,
    pub leptos: LeptosOptions,
}

/// The site settings in `Leptos.toml`: read from the working directory when present (so a
/// deployment can adjust them), else the copy built into the binary. `LEPTOS_*` environment
/// variables override single keys (for example `LEPTOS_SITE_ROOT`).
pub fn leptos_options() -> anyhow::Result<LeptosOptions> {
    let text = std::fs::read_to_string("Leptos.toml")
        .unwrap_or_else(|_| include_str!("../../Leptos.toml").to_owned());
    leptos_config::get_config_from_str(&text).context("reading Leptos.toml")
}

pub fn resolve(global: &GlobalArgs, addr_flag: Option<SocketAddr>) -> anyhow::Result<Settings> {
    let file = match &global.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading config file {}", path.display()))?;
            toml::from_str::<FileConfig>(&text)
                .with_context(|| format!("config file {}", path.display()))?
        }
        None => FileConfig::default(),
    };
    let leptos = leptos_options()?;

    let data_dir = global
        .data_dir
        .clone()
        .or(file.data_dir)
        .unwrap_or_else(|| PathBuf::from("data"));
    let data_dir = prepare_data_dir(&data_dir)?;
    let mut config = backend::Config::new(&data_dir);
    if let Some(url) = global.database_url.clone().or(file.database_url) {
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            bail!("--database-url must start with sqlite:, postgres:// or postgresql://");
        }
        config.database_url = url;
    }
    if let Some(v) = file.secure_cookies {
        config.secure_cookies = v;
    }
    // Zero would close every connection at once; one second is the least that makes sense.
    for (field, value) in [
        (&mut config.header_timeout_secs, file.header_timeout_secs),
        (&mut config.body_timeout_secs, file.body_timeout_secs),
        (&mut config.idle_timeout_secs, file.idle_timeout_secs),
    ] {
        if let Some(v) = value {
            *field = v.max(1);
        }
    }
    if let Some(v) = file.max_connections {
        config.max_connections = v.max(1);
    }
    if let Some(v) = file.session_days {
        config.session_days = v.max(1);
    }
    if let Some(v) = file.login_attempts_per_ip_per_minute {
        config.login_attempts_per_ip_per_minute = v;
    }
    if let Some(v) = file.login_attempts_per_user {
        config.login_attempts_per_user = v;
    }
    if let Some(v) = file.registrations_per_ip_per_hour {
        config.registrations_per_ip_per_hour = v.max(1);
    }
    if let Some(v) = file.upload_max_chunk_size {
        config.upload_max_chunk_size = v.max(1);
    }
    if let Some(v) = file.upload_chunk_size {
        config.upload_chunk_size = v;
    }
    // Never suggest chunks the server would refuse.
    config.upload_chunk_size = config
        .upload_chunk_size
        .clamp(1, config.upload_max_chunk_size);
    if let Some(v) = file.upload_max_size {
        config.upload_max_size = v;
    }
    if let Some(v) = file.storage_reserve {
        config.storage_reserve = v;
    }
    if let Some(v) = file.upload_max_age_days {
        config.upload_max_age_days = v.max(1);
    }
    if let Some(v) = file.subtitle_max_size {
        config.subtitle_max_size = v;
    }
    if file.upload_quota_bytes.is_some() {
        config.upload_quota_bytes = file.upload_quota_bytes;
    }
    if let Some(v) = file.uploads_open_per_user {
        config.uploads_open_per_user = v.max(1);
    }
    if let Some(v) = file.imdb_suggest_url {
        config.imdb_suggest_url = v;
    }
    if let Some(v) = file.metadata_timeout_secs {
        config.metadata_timeout_secs = v.max(1);
    }
    for (field, value) in [
        (&mut config.imdb_url, file.imdb_url),
        (&mut config.tmdb_url, file.tmdb_url),
        (&mut config.tmdb_image_url, file.tmdb_image_url),
        (&mut config.omdb_url, file.omdb_url),
    ] {
        if let Some(v) = value {
            *field = v;
        }
    }
    let key = |env: &str, file: Option<String>| {
        std::env::var(env)
            .ok()
            .or(file)
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty())
    };
    config.tmdb_api_key = key("OTT_TMDB_API_KEY", file.tmdb_api_key);
    config.omdb_api_key = key("OTT_OMDB_API_KEY", file.omdb_api_key);
    if let Some(order) = file.metadata_providers {
        if let Some(bad) = order
            .iter()
            .find(|p| !backend::config::METADATA_PROVIDERS.contains(&p.as_str()))
        {
            bail!(
                "metadata_providers: unknown provider {bad:?} (choose from {})",
                backend::config::METADATA_PROVIDERS.join(", ")
            );
        }
        config.metadata_providers = order;
    }
    if let Some(v) = file.storage_warning_percent {
        config.storage_warning_percent = v.min(100);
    }
    if let Some(program) = file.ffmpeg {
        config.ffmpeg = program.trim().to_owned();
    }
    if let Some(v) = file.transcode_limit {
        config.transcode_limit = v;
    }
    if let Some(v) = file.copy_session_limit {
        config.copy_session_limit = v;
    }
    if let Some(v) = file.playback_idle_secs {
        config.playback_idle_secs = v.max(10);
    }
    if file.slow_machine.is_some() {
        config.slow_machine = file.slow_machine;
    }
    if let Some(roots) = file.library_roots {
        config.library_roots = roots
            .iter()
            .map(|root| {
                domain::library::normalize_path(root)
                    .map_err(|e| anyhow::anyhow!("library_roots: {}: {e}", root.display()))
            })
            .collect::<anyhow::Result<_>>()?;
    }
    if let Some(list) = file.trusted_proxies {
        config.trusted_proxies = backend::proxies::TrustedProxies::parse(&list)
            .map_err(|e| anyhow::anyhow!("trusted_proxies: {e}"))?;
    }
    for (name, store) in file.object_stores.unwrap_or_default() {
        let store = object_store(&name, store, |var| std::env::var(var).ok())?;
        config.object_stores.insert(name, store);
    }
    let addr = addr_flag.or(file.addr).unwrap_or(leptos.site_addr);
    Ok(Settings {
        config,
        config_file: global.config.clone(),
        addr,
        leptos,
    })
}

/// Checks an entry of `object_stores` and fills in its keys: the environment's
/// `OTT_OBJECT_STORE_<NAME>_ACCESS_KEY_ID` / `_SECRET_ACCESS_KEY` win over the file's, so that
/// the secret need not be written in it.
fn object_store(
    name: &str,
    file: FileObjectStore,
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<backend::config::ObjectStore> {
    if !domain::storage::is_store_name(name) {
        bail!(
            "object_stores: {name:?} is not a store name (1 to 32 lowercase letters, digits, '-' or '_')"
        );
    }
    let endpoint = file.endpoint.trim().trim_end_matches('/').to_owned();
    if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
        bail!("object_stores.{name}.endpoint must start with http:// or https://");
    }
    let var = |key: &str| {
        format!(
            "OTT_OBJECT_STORE_{}_{key}",
            name.to_uppercase().replace('-', "_")
        )
    };
    let key = |key: &str, from_file: Option<String>| {
        env(&var(key))
            .or(from_file)
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "object_stores.{name}: set {} in the file or {} in the environment",
                    key.to_lowercase(),
                    var(key)
                )
            })
    };
    let redirect_streams = match file.streams.as_deref().map(str::trim) {
        None | Some("proxy") => false,
        Some("redirect") => true,
        Some(other) => {
            bail!("object_stores.{name}.streams: {other:?} is neither \"proxy\" nor \"redirect\"")
        }
    };
    let sign_payload = file
        .sign_payload
        .unwrap_or_else(|| endpoint.starts_with("http://"));
    Ok(backend::config::ObjectStore {
        redirect_streams,
        sign_payload,
        endpoint,
        region: file
            .region
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "us-east-1".into()),
        access_key_id: key("ACCESS_KEY_ID", file.access_key_id)?,
        secret_access_key: key("SECRET_ACCESS_KEY", file.secret_access_key)?,
    })
}

/// Creates the data directory if needed and returns its absolute, symlink-free path.
fn prepare_data_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the data directory {}", dir.display()))?;
    dir.canonicalize()
        .with_context(|| format!("resolving {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The field names of `FileConfig`, as serde sees them (it names them when asked to
    /// deserialize the struct).
    fn file_config_keys() -> Vec<&'static str> {
        use serde::de::{self, Visitor, value::Error};
        struct Names(&'static [&'static str]);
        impl<'de> de::Deserializer<'de> for &mut Names {
            type Error = Error;
            fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
                Err(de::Error::custom("only structs"))
            }
            fn deserialize_struct<V: Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, Error> {
                self.0 = fields;
                Err(de::Error::custom("named"))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 char str string bytes byte_buf
                option unit unit_struct newtype_struct seq tuple tuple_struct map enum
                identifier ignored_any
            }
        }
        let mut names = Names(&[]);
        let _ = FileConfig::deserialize(&mut names);
        names.0.to_vec()
    }

    #[test]
    fn config_keys_lists_every_key_the_file_takes() {
        let listed: Vec<&str> = crate::config_keys::GROUPS
            .iter()
            .flat_map(|(_, keys)| keys.iter().map(|k| k.name))
            .collect();
        let mut sorted = listed.clone();
        sorted.sort_unstable();
        let mut taken = file_config_keys();
        assert!(taken.len() > 30, "{taken:?}");
        taken.sort_unstable();
        assert_eq!(sorted, taken);
        // Each example is a value the file accepts.
        for (_, keys) in crate::config_keys::GROUPS {
            for k in *keys {
                let text = format!("{} = {}", k.name, k.example);
                toml::from_str::<FileConfig>(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            }
        }
        let page = crate::config_keys::describe();
        assert!(listed.iter().all(|k| page.contains(k)));
    }

    #[test]
    fn object_store_keys_come_from_the_environment_first() {
        let file = |secret: Option<&str>| FileObjectStore {
            endpoint: "http://127.0.0.1:8333/".into(),
            region: None,
            access_key_id: Some("from-file".into()),
            secret_access_key: secret.map(Into::into),
            streams: None,
            sign_payload: None,
        };
        let env = |var: &str| {
            (var == "OTT_OBJECT_STORE_NAS_2_SECRET_ACCESS_KEY").then(|| "from-env".to_owned())
        };
        let store = object_store("nas-2", file(None), env).unwrap();
        assert_eq!(store.endpoint, "http://127.0.0.1:8333");
        assert_eq!(store.region, "us-east-1");
        assert_eq!(store.access_key_id, "from-file");
        assert_eq!(store.secret_access_key, "from-env");
        assert!(
            !format!("{store:?}").contains("from-env"),
            "the secret is never printed"
        );
        assert!(
            !store.redirect_streams,
            "bytes pass through the server by default"
        );
        assert!(store.sign_payload, "bodies are signed over plain http");
        let mut tls = file(Some("s"));
        tls.endpoint = "https://s3.example.org".into();
        assert!(!object_store("home", tls, |_| None).unwrap().sign_payload);
        let mut unsigned = file(Some("s"));
        unsigned.sign_payload = Some(false);
        assert!(
            !object_store("home", unsigned, |_| None)
                .unwrap()
                .sign_payload
        );
        let mut redirect = file(Some("s"));
        redirect.streams = Some("redirect".into());
        assert!(
            object_store("home", redirect, |_| None)
                .unwrap()
                .redirect_streams
        );
        let mut unknown = file(Some("s"));
        unknown.streams = Some("direct".into());
        assert!(object_store("home", unknown, |_| None).is_err());
        let missing = object_store("home", file(None), |_| None).unwrap_err();
        assert!(
            missing
                .to_string()
                .contains("OTT_OBJECT_STORE_HOME_SECRET_ACCESS_KEY")
        );
        assert!(object_store("Home", file(Some("s")), |_| None).is_err());
        let mut bad = file(Some("s"));
        bad.endpoint = "127.0.0.1:8333".into();
        assert!(object_store("home", bad, |_| None).is_err());
    }

    fn write_config(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("ott.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn flags_beat_the_config_file_which_beats_defaults() {
        let dir = tempfile::TempDir::new().unwrap();
        let from_file = dir.path().join("from-file");
        let from_flag = dir.path().join("from-flag");
        let config = write_config(
            dir.path(),
            &format!(
                "data_dir = {:?}\naddr = \"127.0.0.1:4100\"\nsession_days = 7\nsecure_cookies = true\n",
                from_file.to_str().unwrap()
            ),
        );
        let global = GlobalArgs {
            config: Some(config.clone()),
            ..Default::default()
        };
        let settings = resolve(&global, None).unwrap();
        assert_eq!(settings.config.data_dir, from_file.canonicalize().unwrap());
        assert_eq!(settings.addr, "127.0.0.1:4100".parse().unwrap());
        assert_eq!(settings.config.session_days, 7);
        assert!(settings.config.secure_cookies);
        assert!(settings.config.database_url.starts_with("sqlite://"));
        assert!(settings.config.database_url.contains("from-file/ott.db"));

        let global = GlobalArgs {
            config: Some(config),
            data_dir: Some(from_flag.clone()),
            ..Default::default()
        };
        let settings = resolve(&global, Some("127.0.0.1:4200".parse().unwrap())).unwrap();
        assert_eq!(settings.config.data_dir, from_flag.canonicalize().unwrap());
        assert_eq!(settings.addr, "127.0.0.1:4200".parse().unwrap());
    }

    #[test]
    fn without_anything_the_defaults_from_leptos_toml_apply() {
        let dir = tempfile::TempDir::new().unwrap();
        let global = GlobalArgs {
            data_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        };
        let settings = resolve(&global, None).unwrap();
        assert_eq!(settings.addr, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(&*settings.leptos.output_name, "ott");
        assert_eq!(&*settings.leptos.site_root, "target/site");
    }

    #[test]
    fn mistakes_in_settings_are_reported() {
        let dir = tempfile::TempDir::new().unwrap();
        let bad_key = write_config(dir.path(), "data_dri = \"/tmp\"\n");
        let err = resolve(
            &GlobalArgs {
                config: Some(bad_key),
                ..Default::default()
            },
            None,
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("data_dri"), "{err:#}");

        let missing = GlobalArgs {
            config: Some(dir.path().join("nope.toml")),
            ..Default::default()
        };
        assert!(format!("{:#}", resolve(&missing, None).unwrap_err()).contains("nope.toml"));

        let bad_url = GlobalArgs {
            data_dir: Some(dir.path().to_path_buf()),
            database_url: Some("mysql://x".into()),
            ..Default::default()
        };
        assert!(
            resolve(&bad_url, None)
                .unwrap_err()
                .to_string()
                .contains("--database-url")
        );
    }
}
