//! `ott install-service`: start the server at boot, as a systemd unit (Linux) or a launchd
//! agent (macOS), with the data dir and libraries this server uses.

use crate::cli::ServeArgs;
use crate::config::Settings;
use anyhow::{Context, bail};
use backend::entities::library;
use sea_orm::EntityTrait;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const SYSTEMD_UNIT: &str = "/etc/systemd/system/open-ott.service";
pub const LAUNCHD_LABEL: &str = "org.open-ott.server";

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Systemd,
    Launchd,
}

impl Format {
    pub fn native() -> Format {
        if cfg!(target_os = "macos") {
            Format::Launchd
        } else {
            Format::Systemd
        }
    }
}

/// Everything a service definition needs, gathered from the settings and the database.
#[derive(Debug, Clone)]
pub struct Service {
    pub exe: PathBuf,
    pub user: String,
    pub data_dir: PathBuf,
    pub config_file: Option<PathBuf>,
    pub database_url: Option<String>,
    pub addr: SocketAddr,
    /// Where the compiled site (`pkg/`) is, absolute.
    pub site_root: PathBuf,
    pub working_dir: PathBuf,
    /// Folders the server writes: the data dir and every library.
    pub writable: Vec<PathBuf>,
    /// `serve` options beyond the address (HTTPS, redirect, trusted proxies).
    pub serve_options: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct InstallArgs {
    /// Show the service definition instead of installing it.
    #[arg(long)]
    pub print: bool,
    /// Write the definition to this file and do nothing else (no systemctl / launchctl).
    #[arg(long, value_name = "FILE", conflicts_with = "print")]
    pub output: Option<PathBuf>,
    /// systemd (Linux) or launchd (macOS) [default: this system's].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// The account the server runs as [default: the user running this command, or SUDO_USER].
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// How the service serves: --addr, HTTPS (--tls-self-signed, or --tls-cert and --tls-key),
    /// --redirect-http and --trusted-proxy, as for `ott serve`.
    #[command(flatten)]
    pub serve: ServeArgs,
}

pub async fn run(settings: &Settings, args: InstallArgs) -> anyhow::Result<()> {
    let service = gather(settings, &args).await?;
    let format = args.format.unwrap_or_else(Format::native);
    let text = match format {
        Format::Systemd => systemd_unit(&service)?,
        Format::Launchd => launchd_plist(&service)?,
    };
    if args.print {
        print!("{text}");
        return Ok(());
    }
    if let Some(file) = &args.output {
        std::fs::write(file, &text).with_context(|| format!("writing {}", file.display()))?;
        println!("Wrote {}.", file.display());
        return Ok(());
    }
    match format {
        Format::Systemd => install_systemd(&text),
        Format::Launchd => install_launchd(&text),
    }
}

async fn gather(settings: &Settings, args: &InstallArgs) -> anyhow::Result<Service> {
    let config = &settings.config;
    let db = backend::db::open(&config.database_url)
        .await
        .context("opening the database")?;
    let libraries = library::Entity::find().all(&db).await?;
    db.close().await?;
    let mut writable = vec![config.data_dir.clone()];
    for lib in libraries {
        let path = PathBuf::from(lib.path);
        if !writable.iter().any(|w| path.starts_with(w)) {
            writable.push(path);
        }
    }
    let working_dir = std::env::current_dir()?;
    let site_root = working_dir.join(&*settings.leptos.site_root);
    if !site_root.join(&*settings.leptos.site_pkg_dir).is_dir() {
        eprintln!(
            "warning: {} has no compiled site yet; build it (cargo leptos build --release) before starting the service",
            site_root.display()
        );
    }
    let default_url = backend::config::default_database_url(&config.data_dir);
    Ok(Service {
        exe: std::env::current_exe().context("finding the ott program")?,
        user: match &args.user {
            Some(user) => user.clone(),
            None => current_user()?,
        },
        data_dir: config.data_dir.clone(),
        config_file: settings
            .config_file
            .as_ref()
            .map(|f| f.canonicalize().unwrap_or_else(|_| f.clone())),
        database_url: (config.database_url != default_url).then(|| config.database_url.clone()),
        addr: args.serve.addr.unwrap_or(settings.addr),
        serve_options: serve_options(&args.serve)?,
        site_root,
        working_dir,
        writable,
    })
}

/// The serve options the service keeps, with files made absolute (the service starts elsewhere).
fn serve_options(serve: &ServeArgs) -> anyhow::Result<Vec<String>> {
    let absolute = |path: &Path| -> anyhow::Result<String> {
        Ok(path
            .canonicalize()
            .with_context(|| format!("{} does not exist", path.display()))?
            .display()
            .to_string())
    };
    let mut out = Vec::new();
    if let (Some(cert), Some(key)) = (&serve.tls_cert, &serve.tls_key) {
        out.extend([
            "--tls-cert".into(),
            absolute(cert)?,
            "--tls-key".into(),
            absolute(key)?,
        ]);
    }
    if serve.tls_self_signed {
        out.push("--tls-self-signed".into());
        for name in &serve.tls_names {
            out.extend(["--tls-name".into(), name.clone()]);
        }
    }
    if let Some(redirect) = serve.redirect_http {
        out.extend(["--redirect-http".into(), redirect.to_string()]);
    }
    if !serve.trusted_proxies.is_empty() {
        out.extend(["--trusted-proxy".into(), serve.trusted_proxies.join(",")]);
    }
    Ok(out)
}

fn current_user() -> anyhow::Result<String> {
    for var in ["SUDO_USER", "USER", "LOGNAME"] {
        if let Ok(name) = std::env::var(var)
            && !name.is_empty()
        {
            return Ok(name);
        }
    }
    let out = Command::new("id").arg("-un").output()?;
    let name = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if name.is_empty() {
        bail!("cannot tell which user to run as; pass --user NAME");
    }
    Ok(name)
}

impl Service {
    /// The command line the service runs.
    pub fn arguments(&self) -> Vec<String> {
        let mut args = vec![
            self.exe.display().to_string(),
            "--data-dir".into(),
            self.data_dir.display().to_string(),
        ];
        if let Some(config) = &self.config_file {
            args.extend(["--config".into(), config.display().to_string()]);
        }
        if let Some(url) = &self.database_url {
            args.extend(["--database-url".into(), url.clone()]);
        }
        args.extend(["serve".into(), "--addr".into(), self.addr.to_string()]);
        args.extend(self.serve_options.iter().cloned());
        args
    }
}

/// Refuses a word that would change the meaning of the file it is written into: a newline
/// in a library path would start a new unit line (`ExecStartPre=+…`, run as root). Quoting
/// cannot make such text safe, so it is never written.
fn safe_word<'a>(what: &str, word: &'a str) -> anyhow::Result<&'a str> {
    if let Some(c) = word.chars().find(|&c| domain::library::is_unsafe_char(c)) {
        bail!(
            "refusing to write the service: {what} {word:?} contains the character {c:?}; \
             rename or move it (or remove that library) first"
        );
    }
    Ok(word)
}

/// A word for a systemd command line (`exec`: `$` expands variables there) or path list:
/// quoted when it holds spaces or quotes; `%` specifiers are escaped everywhere.
fn systemd_word(what: &str, word: &str, exec: bool) -> anyhow::Result<String> {
    let mut word = safe_word(what, word)?.replace('%', "%%");
    if exec {
        word = word.replace('$', "$$");
    }
    Ok(
        if word.is_empty() || word.contains([' ', '"', '\\', '\'']) {
            format!("\"{}\"", word.replace('\\', "\\\\").replace('"', "\\\""))
        } else {
            word
        },
    )
}

pub fn systemd_unit(s: &Service) -> anyhow::Result<String> {
    let exec: Vec<String> = s
        .arguments()
        .iter()
        .map(|a| systemd_word("the argument", a, true))
        .collect::<anyhow::Result<_>>()?;
    let mut writable = Vec::new();
    for path in &s.writable {
        let text = path.display().to_string();
        // A leading '-' or '+' would be read as a prefix that changes the entry's meaning.
        if !path.is_absolute() {
            bail!("refusing to write the service: the folder {text:?} is not an absolute path");
        }
        writable.push(systemd_word("the folder", &text, false)?);
    }
    let low_port = if s.addr.port() < 1024 {
        "# A port below 1024 needs this one privilege, and nothing more.\n\
         AmbientCapabilities=CAP_NET_BIND_SERVICE\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\n"
    } else {
        "CapabilityBoundingSet=\n"
    };
    Ok(format!(
        "# Open OTT, written by `ott install-service`. After adding a library outside\n\
         # {data}, run it again so that the server may write there.\n\
         [Unit]\n\
         Description=Open OTT movie server\n\
         After=network-online.target\n\
         Wants=network-online.target\n\
         \n\
         [Service]\n\
         Type=simple\n\
         User={user}\n\
         WorkingDirectory={work}\n\
         Environment={site}\n\
         ExecStart={exec}\n\
         Restart=on-failure\n\
         RestartSec=5\n\
         # The server finishes open requests for up to 8 s after SIGTERM.\n\
         TimeoutStopSec=15\n\
         NoNewPrivileges=yes\n\
         ProtectSystem=strict\n\
         ProtectHome=read-only\n\
         ReadWritePaths={writable}\n\
         PrivateTmp=yes\n\
         PrivateDevices=yes\n\
         ProtectKernelTunables=yes\n\
         ProtectKernelModules=yes\n\
         ProtectControlGroups=yes\n\
         RestrictSUIDSGID=yes\n\
         LockPersonality=yes\n\
         {low_port}\
         \n\
         [Install]\n\
         WantedBy=multi-user.target\n",
        data = safe_word("the data folder", &s.data_dir.display().to_string())?,
        user = systemd_word("the user name", &s.user, false)?,
        work = systemd_word(
            "the working folder",
            &s.working_dir.display().to_string(),
            false
        )?,
        site = systemd_word(
            "the site folder",
            &format!("LEPTOS_SITE_ROOT={}", s.site_root.display()),
            false
        )?,
        exec = exec.join(" "),
        writable = writable.join(" "),
    ))
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn launchd_plist(s: &Service) -> anyhow::Result<String> {
    let mut args = String::new();
    for arg in s.arguments() {
        args += &format!(
            "        <string>{}</string>\n",
            xml(safe_word("the argument", &arg)?)
        );
    }
    let log = s.data_dir.join("ott.log");
    let work = s.working_dir.display().to_string();
    let site = s.site_root.display().to_string();
    safe_word("the working folder", &work)?;
    safe_word("the site folder", &site)?;
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
         <!-- Open OTT, written by `ott install-service`. -->\n\
         <plist version=\"1.0\">\n\
         <dict>\n\
         \x20   <key>Label</key>\n    <string>{LAUNCHD_LABEL}</string>\n\
         \x20   <key>ProgramArguments</key>\n    <array>\n{args}    </array>\n\
         \x20   <key>WorkingDirectory</key>\n    <string>{work}</string>\n\
         \x20   <key>EnvironmentVariables</key>\n    <dict>\n        <key>LEPTOS_SITE_ROOT</key>\n        <string>{site}</string>\n    </dict>\n\
         \x20   <key>RunAtLoad</key>\n    <true/>\n\
         \x20   <key>KeepAlive</key>\n    <dict>\n        <key>SuccessfulExit</key>\n        <false/>\n    </dict>\n\
         \x20   <key>StandardOutPath</key>\n    <string>{log}</string>\n\
         \x20   <key>StandardErrorPath</key>\n    <string>{log}</string>\n\
         </dict>\n\
         </plist>\n",
        work = xml(&work),
        site = xml(&site),
        log = xml(&log.display().to_string()),
    ))
}

fn run_tool(program: &str, args: &[&str]) -> anyhow::Result<()> {
    let status = Command::new(program)
        .args(args)
        .status()
        .with_context(|| format!("running {program}"))?;
    if !status.success() {
        bail!("{program} {} failed ({status})", args.join(" "));
    }
    Ok(())
}

fn install_systemd(unit: &str) -> anyhow::Result<()> {
    let path = Path::new(SYSTEMD_UNIT);
    std::fs::write(path, unit).with_context(|| {
        format!(
            "writing {} (run this with sudo, or use --print or --output FILE)",
            path.display()
        )
    })?;
    run_tool("systemctl", &["daemon-reload"])?;
    run_tool("systemctl", &["enable", "--now", "open-ott.service"])?;
    println!(
        "Installed {}; Open OTT now starts at boot. Status: systemctl status open-ott; logs: journalctl -u open-ott.",
        path.display()
    );
    Ok(())
}

fn install_launchd(plist: &str) -> anyhow::Result<()> {
    let home = std::env::var_os("HOME").context("HOME is not set")?;
    let dir = PathBuf::from(home).join("Library/LaunchAgents");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{LAUNCHD_LABEL}.plist"));
    std::fs::write(&path, plist).with_context(|| format!("writing {}", path.display()))?;
    run_tool("launchctl", &["load", "-w", &path.display().to_string()])?;
    println!(
        "Installed {}; Open OTT now starts when you log in.",
        path.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> Service {
        Service {
            exe: "/opt/open ott/ott".into(),
            user: "anna".into(),
            data_dir: "/srv/ott".into(),
            config_file: None,
            database_url: None,
            addr: "0.0.0.0:80".parse().unwrap(),
            site_root: "/opt/open ott/target/site".into(),
            working_dir: "/opt/open ott".into(),
            writable: vec!["/srv/ott".into(), "/mnt/films & more".into()],
            serve_options: vec![],
        }
    }

    #[test]
    fn a_systemd_unit_quotes_paths_and_asks_only_for_what_it_needs() {
        let unit = systemd_unit(&service()).unwrap();
        assert!(unit.contains(
            "ExecStart=\"/opt/open ott/ott\" --data-dir /srv/ott serve --addr 0.0.0.0:80\n"
        ));
        assert!(unit.contains("ReadWritePaths=/srv/ott \"/mnt/films & more\"\n"));
        assert!(unit.contains("AmbientCapabilities=CAP_NET_BIND_SERVICE"));
        let https = systemd_unit(&Service {
            serve_options: vec![
                "--tls-self-signed".into(),
                "--trusted-proxy".into(),
                "127.0.0.1".into(),
            ],
            ..service()
        })
        .unwrap();
        assert!(
            https.contains("serve --addr 0.0.0.0:80 --tls-self-signed --trusted-proxy 127.0.0.1\n")
        );
        let high = systemd_unit(&Service {
            addr: "127.0.0.1:3000".parse().unwrap(),
            ..service()
        })
        .unwrap();
        assert!(!high.contains("AmbientCapabilities"));
        assert!(high.contains("CapabilityBoundingSet=\n"));
    }

    #[test]
    fn a_launchd_plist_escapes_xml() {
        let plist = launchd_plist(&Service {
            writable: vec![],
            database_url: Some("postgres://ott@db/ott?a=1&b=2".into()),
            ..service()
        })
        .unwrap();
        assert!(plist.contains("<string>postgres://ott@db/ott?a=1&amp;b=2</string>"));
        assert!(plist.contains("<string>/opt/open ott/ott</string>"));
        assert!(plist.contains("<key>RunAtLoad</key>"));
    }

    #[test]
    fn a_library_path_with_a_line_break_is_never_written_into_a_unit() {
        // The text a user once stored as a library path: every line after the first would
        // have become a unit line, run as root.
        let injected = PathBuf::from("/tmp/x\nExecStartPre=+/bin/sh -c 'id > /tmp/pwned'\n#");
        let evil = Service {
            writable: vec!["/srv/ott".into(), injected.clone()],
            ..service()
        };
        let err = systemd_unit(&evil).unwrap_err().to_string();
        assert!(err.contains("refusing"), "{err}");
        assert!(
            launchd_plist(&Service {
                data_dir: injected,
                ..service()
            })
            .is_err()
        );
        for bad in ["/srv/a\rb", "/srv/a\u{2028}b", "/srv/a\u{0}b"] {
            assert!(
                systemd_unit(&Service {
                    writable: vec![bad.into()],
                    ..service()
                })
                .is_err(),
                "{bad:?}"
            );
        }
        // Not absolute: '-' or '+' in front would change what systemd does with the entry.
        assert!(
            systemd_unit(&Service {
                writable: vec!["-/srv".into()],
                ..service()
            })
            .is_err()
        );
    }

    #[test]
    fn specifiers_and_variables_are_escaped() {
        let unit = systemd_unit(&Service {
            writable: vec!["/mnt/100% films".into()],
            database_url: Some("postgres://ott:pa$$%i@db/ott".into()),
            ..service()
        })
        .unwrap();
        assert!(
            unit.contains("ReadWritePaths=\"/mnt/100%% films\"\n"),
            "{unit}"
        );
        assert!(
            unit.contains("--database-url postgres://ott:pa$$$$%%i@db/ott serve"),
            "{unit}"
        );
        assert!(
            unit.contains("Environment=\"LEPTOS_SITE_ROOT=/opt/open ott/target/site\"\n"),
            "{unit}"
        );
    }
}
