//! The command line: `ott [serve]`, `ott migrate`, `ott user create`, `ott token create`,
//! `ott library create`, `ott upload`, `ott guess`, `ott config keys`, `ott backup`,
//! `ott restore`, `ott db copy`, `ott install-service`, `ott dev seed`.

use crate::config::{GlobalArgs, resolve};
use crate::{commands, logging};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "ott",
    version,
    about = "Open OTT: a self-hosted movie server for your household.",
    after_help = "Without a command, `ott` runs the server (`ott serve`).\n\
        Settings come from built-in defaults, then an optional --config file (`ott config keys`),\n\
        then OTT_* environment variables, then flags."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (the default).
    Serve(ServeArgs),
    /// Bring the database schema up to date (the server also does this when it starts).
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage personal API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage libraries.
    #[command(subcommand)]
    Library(LibraryCommand),
    /// Upload movie files (or folders of them) to a server, resuming interrupted uploads.
    Upload(commands::upload::UploadArgs),
    /// Back up the database, the config and the library files into a dated folder in DIR.
    ///
    /// Files unchanged since the previous backup there are hard-linked, not copied again.
    Backup {
        /// Where backups go (better on another disk); each run makes a new dated folder.
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
        /// Keep only the newest N backups in DIR (older ones are deleted after this one).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        keep: Option<u32>,
    },
    /// Put a backup back into an empty data dir and database (checking every sha256).
    Restore {
        /// A backup folder, or a folder of them (the newest is taken).
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
    },
    /// Database tools.
    #[command(subcommand)]
    Db(DbCommand),
    /// Start the server at boot: writes a systemd unit (Linux) or a launchd agent (macOS).
    InstallService(commands::service::InstallArgs),
    /// Tools for development and benchmarks.
    #[command(subcommand)]
    Dev(DevCommand),
    /// The settings a --config file can hold.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Guess title, year and release details from file names; prints one JSON object per name.
    Guess {
        /// File names; with a folder (`Heat (1995)/movie.mkv`) the folder helps a weak name.
        #[arg(required = true, value_name = "NAME")]
        names: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Every key of the --config file, with its default and what it does.
    Keys,
}

#[derive(clap::Args, Debug, Default)]
pub struct ServeArgs {
    /// Address to listen on [default: site-addr in Leptos.toml, 127.0.0.1:3000].
    #[arg(long, env = "OTT_ADDR", value_name = "IP:PORT")]
    pub addr: Option<SocketAddr>,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, env = "OTT_TLS_CERT", value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, env = "OTT_TLS_KEY", value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS with a self-signed certificate made once and kept in DATA_DIR/tls (for a
    /// home network; browsers warn once). Its names: localhost, this machine's name, the
    /// listening address and any --tls-name.
    #[arg(long, env = "OTT_TLS_SELF_SIGNED", conflicts_with = "tls_cert")]
    pub tls_self_signed: bool,
    /// Another name or IP address for the self-signed certificate (repeatable).
    #[arg(long = "tls-name", value_name = "NAME", requires = "tls_self_signed")]
    pub tls_names: Vec<String>,
    /// With HTTPS, also listen on this address for plain HTTP and redirect it to HTTPS.
    #[arg(long, env = "OTT_REDIRECT_HTTP", value_name = "IP:PORT")]
    pub redirect_http: Option<SocketAddr>,
    /// Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For and
    /// X-Forwarded-Proto headers are believed [default: none, or trusted_proxies in --config].
    #[arg(
        long = "trusted-proxy",
        env = "OTT_TRUSTED_PROXIES",
        value_name = "IP[/BITS]",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<String>,
}

impl ServeArgs {
    fn from_env() -> anyhow::Result<ServeArgs> {
        use clap::{Args, FromArgMatches};
        let matches =
            ServeArgs::augment_args(clap::Command::new("serve")).try_get_matches_from(["serve"])?;
        Ok(ServeArgs::from_arg_matches(&matches)?)
    }
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account; prints it as JSON.
    Create {
        /// Username (letters, digits, '.', '_', '-'; case-insensitive).
        name: String,
        /// Read the password from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
        /// Make the account an administrator.
        #[arg(long)]
        admin: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a personal API token and print it (it is shown only once).
    Create {
        /// The user the token acts as.
        #[arg(long)]
        user: String,
        /// A name to recognise the token by later.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum LibraryCommand {
    /// Create a library; prints it as JSON with its id and path.
    Create {
        /// Username of the owner.
        #[arg(long)]
        owner: String,
        /// Library name.
        #[arg(long)]
        name: String,
        /// Folder for the library, or a bucket as s3://STORE/BUCKET/PREFIX (a store of the
        /// object_stores setting) [default: a folder under DATA_DIR/libraries].
        #[arg(long, value_name = "DIR")]
        path: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Copy every row into a new, empty database, e.g. from SQLite to PostgreSQL. Stop the
    /// server first; afterwards start it with --database-url set to the new database.
    Copy {
        /// The database to read, e.g. sqlite:///home/anna/ott/data/ott.db.
        #[arg(long, value_name = "URL")]
        from: String,
        /// The empty database to fill, e.g. postgres://ott@localhost/ott.
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum DevCommand {
    /// Fill a new library with made-up movies (no files on disk), for benchmarks and trying
    /// the pages out with a large library; prints the library as JSON.
    Seed {
        /// The owner of the new library (an existing user).
        #[arg(long)]
        owner: String,
        /// Movies to make.
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        movies: u32,
        /// Franchises, four movies each (taken from the first movies).
        #[arg(long, default_value_t = 300)]
        collections: u32,
        /// Genres; each movie gets one or two.
        #[arg(long, default_value_t = 25)]
        genres: u32,
        /// The library's name.
        #[arg(long, default_value = "Seeded movies")]
        name: String,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let serving = matches!(cli.command, None | Some(Command::Serve(_)));
    logging::init(if serving {
        "info,sqlx=warn,sea_orm=warn"
    } else {
        "warn"
    });
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = match cli.command {
        Some(command) => command,
        // `ott` alone is `ott serve`, with the serve options' environment variables read.
        None => Command::Serve(ServeArgs::from_env()?),
    };
    // The uploader is a client: it needs no data directory or database.
    let command = match command {
        Command::Upload(args) => return commands::upload::run(args).await,
        Command::Guess { names } => return commands::guess::run(&names),
        Command::Config(ConfigCommand::Keys) => {
            print!("{}", crate::config_keys::describe());
            return Ok(());
        }
        Command::Db(DbCommand::Copy { from, to }) => {
            return commands::admin::copy_database(&from, &to).await;
        }
        other => other,
    };
    let addr = match &command {
        Command::Serve(args) => args.addr,
        _ => None,
    };
    let settings = resolve(&cli.global, addr)?;
    match command {
        Command::Serve(args) => commands::serve::run(settings, args).await,
        Command::Migrate => commands::admin::migrate(&settings).await,
        Command::User(UserCommand::Create {
            name,
            password_stdin,
            admin,
        }) => commands::admin::create_user(&settings, &name, password_stdin, admin).await,
        Command::Token(TokenCommand::Create { user, name }) => {
            commands::admin::create_token(&settings, &user, &name).await
        }
        Command::Library(LibraryCommand::Create { owner, name, path }) => {
            commands::admin::create_library(&settings, &owner, &name, path.as_deref()).await
        }
        Command::Dev(DevCommand::Seed {
            owner,
            movies,
            collections,
            genres,
            name,
        }) => {
            let plan = backend::seed::Plan {
                movies: movies as usize,
                collections: collections as usize,
                genres: genres as usize,
            };
            commands::admin::seed(&settings, &owner, &name, plan).await
        }
        Command::Backup { to, keep } => crate::backup::backup(&settings, &to, keep)
            .await
            .map(|_| ()),
        Command::Restore { from } => crate::backup::restore::restore(&settings, &from).await,
        Command::InstallService(args) => commands::service::run(&settings, args).await,
        Command::Upload(_) | Command::Guess { .. } | Command::Db(_) | Command::Config(_) => {
            unreachable!("client commands are handled before the settings are resolved")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_command_means_serve_and_flags_parse() {
        let cli = Cli::parse_from(["ott", "--data-dir", "/tmp/x"]);
        assert!(cli.command.is_none());
        assert_eq!(
            cli.global.data_dir.as_deref(),
            Some(std::path::Path::new("/tmp/x"))
        );
        let cli = Cli::parse_from(["ott", "serve", "--addr", "127.0.0.1:4000"]);
        assert!(matches!(
            cli.command,
            Some(Command::Serve(ServeArgs { addr: Some(_), .. }))
        ));
        let cli = Cli::parse_from([
            "ott",
            "user",
            "create",
            "anna",
            "--password-stdin",
            "--admin",
        ]);
        assert!(matches!(
            cli.command,
            Some(Command::User(UserCommand::Create {
                password_stdin: true,
                admin: true,
                ..
            }))
        ));
    }
}
