//! The command line: `ott [serve]`, `ott migrate`, `ott user create`, `ott token create`,
//! `ott library create`, `ott upload`, `ott guess`, `ott dev seed`.

use crate::config::{GlobalArgs, resolve};
use crate::{commands, logging};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "ott",
    version,
    about = "Open OTT: a self-hosted movie server for your household.",
    long_about = "Open OTT: a self-hosted movie server for your household.\n\n\
        Without a command, `ott` runs the server (`ott serve`). Settings come from built-in \
        defaults, then an optional --config file, then OTT_* environment variables, then flags."
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
    /// Tools for development and benchmarks.
    #[command(subcommand)]
    Dev(DevCommand),
    /// Guess title, year and release details from file names; prints one JSON object per name.
    Guess {
        /// File names; with a folder (`Heat (1995)/movie.mkv`) the folder helps a weak name.
        #[arg(required = true, value_name = "NAME")]
        names: Vec<String>,
    },
}

#[derive(clap::Args, Debug, Default)]
pub struct ServeArgs {
    /// Address to listen on [default: site-addr in Leptos.toml, 127.0.0.1:3000].
    #[arg(long, env = "OTT_ADDR", value_name = "IP:PORT")]
    pub addr: Option<SocketAddr>,
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
        /// Folder for the library [default: a folder under DATA_DIR/libraries].
        #[arg(long, value_name = "DIR")]
        path: Option<String>,
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
    let command = cli.command.unwrap_or(Command::Serve(ServeArgs::default()));
    // The uploader is a client: it needs no data directory or database.
    let command = match command {
        Command::Upload(args) => return commands::upload::run(args).await,
        Command::Guess { names } => return commands::guess::run(&names),
        other => other,
    };
    let addr = match &command {
        Command::Serve(args) => args.addr,
        _ => None,
    };
    let settings = resolve(&cli.global, addr)?;
    match command {
        Command::Serve(_) => commands::serve::run(settings).await,
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
        Command::Upload(_) | Command::Guess { .. } => {
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
            Some(Command::Serve(ServeArgs { addr: Some(_) }))
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
