//! What the server knows of media files and the disks they are on: each file's technical facts
//! read once with ffprobe ([`info`], in the background; [`probe`], quickly when an upload
//! ends) and the free space of a disk ([`disk`]).

pub mod disk;
pub mod info;
pub mod probe;
