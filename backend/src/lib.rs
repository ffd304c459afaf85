//! The server side of Open OTT without the web framework: configuration, the database
//! (entities, connection, migrations), and the services that the HTTP API, the CLI and the
//! Leptos server functions all call, so each rule lives in exactly one place.

pub mod access;
pub mod auth;
pub mod catalog;
pub mod categories;
pub mod config;
pub mod db;
pub mod entities;
pub mod error;
pub mod hls;
mod http_errors;
pub mod instance;
pub mod invites;
pub mod libraries;
pub mod media;
pub mod metadata;
pub mod monitor;
pub mod movies;
pub mod playback;
pub mod posters;
pub mod proxies;
pub mod remux;
pub mod rows;
pub mod search;
pub mod seed;
pub mod settings;
pub mod state;
pub mod storage;
#[cfg(feature = "testing")]
pub mod testing;
pub mod transfer;
pub mod uploads;
pub mod write;

pub use config::Config;
pub use error::ApiError;
pub use state::AppState;
