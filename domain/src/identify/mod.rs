//! Which movie a file is: what its name says ([`guess`]) and which of a provider's search
//! answers it means ([`ranking`]).

pub mod guess;
pub mod ranking;
