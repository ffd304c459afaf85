//! Uploading: the protocol's rules ([`protocol`], also re-exported here, since both ends use
//! them everywhere), the client's state machine that both uploaders drive ([`client`]), a
//! browser batch around it ([`batch`]), and how an upload into a bucket is cut into parts
//! ([`parts`]).

pub mod batch;
pub mod client;
pub mod parts;
pub mod protocol;
pub mod target;

pub use protocol::*;
