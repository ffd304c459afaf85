//! What can go wrong with an upload, said once; `http_errors` gives each its status.

use crate::access::Denied;
use domain::api::MovieFileInfo;
use domain::upload::UploadRuleError;
use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("{0}")]
    Rule(#[from] UploadRuleError),
    #[error("{0}")]
    Denied(#[from] Denied),
    #[error("You have no library yet; create one first.")]
    NoLibrary,
    #[error(
        "Replacing deletes the movie's other files, which only the library's owner and managers may do: ask one of them, or add this file as another version (mode=version). What you uploaded is kept."
    )]
    ReplaceNotAllowed,
    #[error("There is no such upload (it may have finished, been cancelled or expired).")]
    UploadNotFound,
    #[error("This file was already uploaded to this library.")]
    AlreadyUploaded {
        movie_file_id: Option<i32>,
        imdb_id: Option<String>,
        title: Option<String>,
    },
    #[error(
        "The library's disk has {free} bytes free; this upload needs {needed} (including a reserve, and {promised} bytes promised to other unfinished uploads)."
    )]
    InsufficientStorage {
        free: u64,
        needed: u64,
        promised: u64,
    },
    #[error("The file is {size} bytes; this server accepts files up to {max} bytes.")]
    FileTooLarge { size: u64, max: u64 },
    #[error("The subtitle file is {size} bytes; this server accepts subtitles up to {max} bytes.")]
    SubtitleTooLarge { size: u64, max: u64 },
    #[error(
        "Your uploads may take {quota} bytes: {used} are taken (files uploaded and unfinished uploads), and this file needs {needed} more. Delete or finish some first."
    )]
    QuotaExceeded { quota: u64, used: u64, needed: u64 },
    #[error(
        "You already have {max} unfinished uploads; let some finish, or cancel them, before starting another."
    )]
    TooManyOpenUploads { max: u32 },
    #[error("The chunk is {len} bytes; this server accepts chunks up to {max} bytes.")]
    ChunkTooLarge { len: u64, max: u64 },
    #[error("Send the chunk with a Content-Length header.")]
    LengthRequired,
    #[error("The body did not have the length its Content-Length header announced.")]
    LengthMismatch,
    #[error("The connection broke while the chunk was arriving; nothing of it was kept.")]
    BodyInterrupted,
    #[error("That is not the next chunk; continue from the offset and chunk number given.")]
    OutOfOrder { offset: u64, chunk_nr: u64 },
    #[error("The chunk's sha256 does not match its bytes; nothing of it was kept.")]
    ChecksumMismatch,
    #[error("Another request is working on this upload; retry when it is done.")]
    Busy,
    #[error("The upload is not complete: {offset} of {size} bytes arrived.")]
    Incomplete { offset: u64, size: u64 },
    #[error("This movie already has files in the library; choose replace or version.")]
    MovieHasFiles(Vec<MovieFileInfo>),
    #[error("{0}")]
    Storage(#[from] crate::storage::StorageError),
    #[error("disk: {0}")]
    Io(#[from] std::io::Error),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}
