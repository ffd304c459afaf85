//! Plain Rust rules of Open OTT, shared by the server, the CLI and the browser.
//!
//! Nothing here knows about HTTP, databases or async runtimes, so every rule is unit-tested
//! natively and the same code runs in the WASM front end.

pub mod account;
pub mod api;
pub mod categories;
pub mod format;
pub mod identify;
pub mod imdb;
pub mod invite;
pub mod languages;
pub mod library;
pub mod media;
pub mod metadata;
pub mod monitor;
pub mod movie_link;
pub mod naming;
pub mod playback;
pub mod rate;
pub mod remux;
pub mod role;
pub mod rows;
pub mod search;
pub mod settings;
pub mod storage;
pub mod streaming;
pub mod subtitles;
pub mod upload;

pub use imdb::ImdbId;
pub use role::Role;
