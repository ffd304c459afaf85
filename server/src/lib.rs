//! The `ott` binary: command line, HTTP server (API, pages, static files) and its middleware.

pub mod backup;
pub mod cli;
pub mod commands;
pub mod config;
pub mod config_keys;
pub mod database_url;
pub mod logging;
pub mod uploader;
pub mod web;
