//! One module per route.

pub mod admin;
pub mod home;
pub mod login;
pub mod movie;
pub mod not_found;
pub mod register;
pub mod search;
pub mod setup;
pub mod upload;
pub mod watch;
