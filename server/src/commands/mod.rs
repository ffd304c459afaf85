//! What each subcommand does.

pub mod admin;
pub mod guess;
pub mod serve;
pub mod upload;
