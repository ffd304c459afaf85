//! Uploading: the protocol's rules ([`protocol`], also re-exported here, since both ends use
//! them everywhere), the client's state machine that both uploaders drive ([`client`]), and a
//! browser batch around it ([`batch`]).

pub mod batch;
pub mod client;
pub mod protocol;

pub use protocol::*;
