//! Integration tests of the `ott` server: the real router in-process (and the real binary for
//! the CLI), on SQLite and PostgreSQL.

mod access;
mod auth;
mod backup;
mod buckets;
mod by_hand;
mod categories;
mod cli;
pub mod clips;
mod fixtures;
mod hls;
mod instances;
mod invites;
mod libraries;
mod media;
mod metadata;
mod monitor;
mod movies;
mod playback;
mod proxy;
mod remux;
mod routes;
mod rows;
mod search;
mod seaweed;
mod settings;
mod support;
mod timeouts;
mod tls;
mod upload_disk;
mod upload_faults;
mod uploads;
