//! Building blocks shared by the pages.

pub mod copy;
pub mod forms;
pub mod header;
pub mod listing;
pub mod session;
pub mod title;
