//! Server functions, grouped by capability. Their bodies run on the server and call the
//! services in the `backend` crate; the browser calls them over HTTP under `/api/fn/`.

pub mod admin;
pub mod auth;
pub mod categories;
pub mod codec;
pub mod invites;
pub mod libraries;
pub mod monitor;
pub mod movies;
pub mod playback;
#[cfg(feature = "ssr")]
pub(crate) mod server;
pub mod settings;
pub mod uploads;
