//! One module per route.

pub mod admin;
pub mod categories;
pub mod home;
pub mod join;
pub mod libraries;
pub mod login;
pub mod monitor;
pub mod movie;
pub mod not_found;
pub mod register;
pub mod search;
pub mod settings;
pub mod setup;
pub mod share;
pub mod upload;
pub mod watch;
