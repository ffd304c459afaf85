//! What each subcommand does.

pub mod admin;
pub mod guess;
pub mod serve;
pub mod service;
pub mod tls;
pub mod upload;
