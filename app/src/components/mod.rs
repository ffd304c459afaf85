//! Building blocks shared by the pages.

pub mod forms;
pub mod header;
pub mod session;
pub mod title;
