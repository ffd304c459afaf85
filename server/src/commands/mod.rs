//! What each subcommand does.

pub mod admin;
pub mod serve;
pub mod upload;
