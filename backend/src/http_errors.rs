//! Where backend errors become HTTP answers: every status the backend answers with is chosen
//! here, once, from the services' typed errors. Services say what went wrong (`UploadError`,
//! `Denied`, `Missing`, ...); this module says how the web tells it (404 or 403, 409 or 507,
//! with which `Retry-After`). Nothing imports this module: its `From` impls are what `?` uses.

use crate::ApiError;
use crate::access::Denied;
use crate::auth::AuthError;
use crate::categories::NameTaken;
use crate::error::Missing;
use crate::hls::PlaybackError;
use crate::hls::SegmentError;
use crate::metadata::{MatchError, SearchError};
use crate::movies::MovieMoved;
use crate::remux::Refused;
use crate::storage::StorageError;
use crate::uploads::UploadError;
use domain::imdb::InvalidImdbId;
use domain::invite::InviteProblem;
use domain::upload::UploadRuleError;
use http::StatusCode;

/// What a `busy` answer asks the client to wait.
const BUSY_RETRY_SECS: u64 = 5;

impl From<Missing> for ApiError {
    fn from(missing: Missing) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, missing.code(), missing.to_string())
    }
}

impl From<MovieMoved> for ApiError {
    /// Still a 404 (the movie is not at this address), saying where it is now.
    fn from(moved: MovieMoved) -> ApiError {
        let to = moved.0.to_string();
        ApiError::new(StatusCode::NOT_FOUND, "movie_moved", moved.to_string())
            .with_detail("movedTo", to)
    }
}

impl From<StorageError> for ApiError {
    /// A bucket that is down or refuses is the server's trouble, not the user's: 503, and
    /// whatever was being done can be done again.
    fn from(err: StorageError) -> ApiError {
        let message = err.to_string();
        match err {
            StorageError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "file_missing", message),
            StorageError::Location(e) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_misconfigured",
                format!("The library's location is not usable: {e}"),
            ),
            StorageError::UnknownStore(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_misconfigured",
                message,
            ),
            StorageError::Refused(_) | StorageError::Unavailable(_) => {
                let mut e = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_unavailable",
                    message,
                );
                e.retry_after = Some(BUSY_RETRY_SECS);
                e
            }
            StorageError::Io(e) => ApiError::internal(format!("storage: {e}")),
        }
    }
}

impl From<InvalidImdbId> for ApiError {
    fn from(err: InvalidImdbId) -> ApiError {
        UploadRuleError::from(err).into()
    }
}

impl From<InviteProblem> for ApiError {
    /// 410: the link existed, and is used up, expired or revoked.
    fn from(problem: InviteProblem) -> ApiError {
        ApiError::new(StatusCode::GONE, problem.code(), problem.to_string())
    }
}

impl From<NameTaken> for ApiError {
    fn from(err: NameTaken) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "category_exists", err.to_string())
    }
}

/// 409 with the files in the way, which the client shows so the user can choose.
fn movie_has_files(message: String, files: Vec<domain::api::MovieFileInfo>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "movie_has_files", message)
        .with_detail("files", serde_json::to_value(files).unwrap_or_default())
}

impl From<MatchError> for ApiError {
    fn from(err: MatchError) -> ApiError {
        let message = err.to_string();
        match err {
            MatchError::Denied(denied) => denied.into(),
            MatchError::MovieNotFound => {
                ApiError::new(StatusCode::NOT_FOUND, "movie_not_found", message)
            }
            MatchError::TargetHasFiles(files) => movie_has_files(message, files),
            MatchError::Storage(e) => e.into(),
            MatchError::Io(e) => ApiError::internal(format!("disk error while matching: {e}")),
            MatchError::Db(e) => e.into(),
        }
    }
}

impl From<Refused> for ApiError {
    fn from(err: Refused) -> ApiError {
        let message = err.to_string();
        match err {
            Refused::Running => ApiError::new(StatusCode::CONFLICT, "remux_running", message),
            Refused::AlreadyConverted(_) => {
                ApiError::new(StatusCode::CONFLICT, "already_converted", message)
            }
            Refused::FfmpegMissing => {
                ApiError::new(StatusCode::NOT_IMPLEMENTED, "ffmpeg_missing", message)
            }
            Refused::NoRoom { .. } => ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "insufficient_storage",
                message,
            ),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> ApiError {
        let message = err.to_string();
        match err {
            AuthError::Rule(rule) => ApiError::bad_request(rule.code(), message),
            AuthError::WrongCredentials => {
                ApiError::new(StatusCode::UNAUTHORIZED, "wrong_credentials", message)
            }
            AuthError::WrongPassword => ApiError::forbidden("wrong_password", message),
            AuthError::UsernameTaken => {
                ApiError::new(StatusCode::CONFLICT, "username_taken", message)
            }
            AuthError::RegistrationClosed => ApiError::forbidden("registration_closed", message),
            AuthError::RateLimited(secs) | AuthError::TooManyRegistrations(secs) => {
                let mut e =
                    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message);
                e.retry_after = Some(secs);
                e
            }
            AuthError::Busy => {
                let mut e = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message);
                e.retry_after = Some(BUSY_RETRY_SECS);
                e
            }
            AuthError::Api(e) => e,
            AuthError::UnknownUser(_) => {
                ApiError::new(StatusCode::NOT_FOUND, "unknown_user", message)
            }
            AuthError::Db(e) => e.into(),
            AuthError::Internal(e) => ApiError::internal(e),
        }
    }
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> ApiError {
        let message = denied.to_string();
        match denied {
            Denied::NotMember => ApiError::new(StatusCode::NOT_FOUND, "library_not_found", message),
            Denied::Lacks(_) => ApiError::forbidden("not_allowed", message),
            Denied::Db(e) => e.into(),
        }
    }
}

impl From<UploadError> for ApiError {
    fn from(err: UploadError) -> ApiError {
        let message = err.to_string();
        match err {
            UploadError::Rule(rule) => match rule {
                UploadRuleError::InvalidUploadId => {
                    ApiError::new(StatusCode::NOT_FOUND, "upload_not_found", message)
                }
                rule => ApiError::bad_request(rule.code(), message),
            },
            UploadError::Denied(denied) => denied.into(),
            UploadError::NoLibrary => ApiError::new(StatusCode::CONFLICT, "no_library", message),
            UploadError::ReplaceNotAllowed => ApiError::forbidden("not_allowed", message),
            UploadError::UploadNotFound => {
                ApiError::new(StatusCode::NOT_FOUND, "upload_not_found", message)
            }
            UploadError::AlreadyUploaded {
                movie_file_id,
                imdb_id,
                title,
            } => ApiError::new(StatusCode::CONFLICT, "already_uploaded", message)
                .with_detail("movieFileId", movie_file_id)
                .with_detail(
                    "movie",
                    imdb_id.map(|id| serde_json::json!({ "imdbId": id, "title": title })),
                ),
            UploadError::InsufficientStorage {
                free,
                needed,
                promised,
            } => ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "insufficient_storage",
                message,
            )
            .with_detail("free", free)
            .with_detail("needed", needed)
            .with_detail("promised", promised),
            UploadError::FileTooLarge { max, .. } => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "file_too_large", message)
                    .with_detail("max", max)
            }
            UploadError::SubtitleTooLarge { max, .. } => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "subtitle_too_large", message)
                    .with_detail("max", max)
            }
            // 507, like a full disk: the space this user may fill is used up, and clients
            // stop their queue rather than retry.
            UploadError::QuotaExceeded { quota, used, .. } => {
                ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded", message)
                    .with_detail("quota", quota)
                    .with_detail("used", used)
            }
            // 429: waiting helps, as the user's other uploads finish.
            UploadError::TooManyOpenUploads { max } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_open_uploads",
                message,
            )
            .with_detail("max", max),
            UploadError::ChunkTooLarge { max, .. } => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "chunk_too_large", message)
                    .with_detail("max", max)
            }
            UploadError::LengthRequired => {
                ApiError::new(StatusCode::LENGTH_REQUIRED, "length_required", message)
            }
            UploadError::LengthMismatch => ApiError::bad_request("length_mismatch", message),
            UploadError::BodyInterrupted => ApiError::bad_request("body_interrupted", message),
            UploadError::OutOfOrder { offset, chunk_nr } => {
                ApiError::new(StatusCode::CONFLICT, "out_of_order", message)
                    .with_detail("offset", offset)
                    .with_detail("chunkNr", chunk_nr)
            }
            UploadError::ChecksumMismatch => ApiError::bad_request("checksum_mismatch", message),
            UploadError::Busy => ApiError::new(StatusCode::CONFLICT, "busy", message),
            UploadError::Incomplete { offset, size } => {
                ApiError::new(StatusCode::CONFLICT, "incomplete", message)
                    .with_detail("offset", offset)
                    .with_detail("size", size)
            }
            UploadError::MovieHasFiles(files) => movie_has_files(message, files),
            UploadError::Storage(e) => e.into(),
            UploadError::Io(e) if e.kind() == std::io::ErrorKind::StorageFull => ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "insufficient_storage",
                "The disk is full; free some space and resume the upload.",
            ),
            UploadError::Io(e) => ApiError::internal(format!("upload disk error: {e}")),
            UploadError::Db(e) => e.into(),
        }
    }
}

impl From<UploadRuleError> for ApiError {
    fn from(err: UploadRuleError) -> ApiError {
        UploadError::Rule(err).into()
    }
}

impl From<SearchError> for ApiError {
    fn from(err: SearchError) -> ApiError {
        let message = err.to_string();
        match err {
            SearchError::BadQuery => ApiError::bad_request("invalid_query", message),
            SearchError::BadYear => ApiError::bad_request("invalid_year", message),
            SearchError::Timeout(_) => {
                ApiError::new(StatusCode::GATEWAY_TIMEOUT, "provider_timeout", message)
            }
            SearchError::Unreachable(_) | SearchError::Refused(_) => {
                ApiError::new(StatusCode::BAD_GATEWAY, "provider_unavailable", message)
            }
            SearchError::BadAnswer(why) => {
                tracing::warn!(%why, "a metadata provider's answer could not be read");
                ApiError::new(StatusCode::BAD_GATEWAY, "provider_bad_answer", message)
            }
            SearchError::TmdbLinkWithoutKey | SearchError::TmdbLinkUnknown => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "tmdb_link_unusable",
                message,
            ),
            SearchError::TmdbLinkUnreachable => {
                ApiError::new(StatusCode::BAD_GATEWAY, "provider_unavailable", message)
            }
        }
    }
}

impl From<PlaybackError> for ApiError {
    fn from(err: PlaybackError) -> ApiError {
        let message = err.to_string();
        match err {
            PlaybackError::Caps(e) => ApiError::bad_request(e.code(), message),
            // A well-formed report of a browser that cannot play the file (or a file with
            // nothing to play) is not a malformed request.
            PlaybackError::Decision(
                e @ domain::playback::DecisionError::UnknownAudioTrack { .. },
            ) => ApiError::bad_request(e.code(), message),
            PlaybackError::Decision(e) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), message)
            }
            PlaybackError::Busy(_) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "transcode_busy", message)
            }
            PlaybackError::ProbePending => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "probe_pending", message)
            }
            PlaybackError::SubtitleUnreadable => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "subtitle_unreadable",
                message,
            ),
            PlaybackError::NotAVideo(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "not_a_video", message)
            }
            PlaybackError::NoSession | PlaybackError::Segment(SegmentError::NotFound) => {
                ApiError::new(StatusCode::NOT_FOUND, "session_not_found", message)
            }
            PlaybackError::Segment(SegmentError::TimedOut) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "segment_timeout", message)
            }
            PlaybackError::Segment(SegmentError::Failed(_)) => {
                tracing::warn!(error = %message, "a playback segment could not be made");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "conversion_failed",
                    "The video could not be converted; the server's log says why.",
                )
            }
            PlaybackError::Api(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Need;

    #[test]
    fn strangers_are_told_nothing_exists_and_members_why_not() {
        let stranger = ApiError::from(Denied::NotMember);
        assert_eq!(
            (stranger.status, &*stranger.code),
            (StatusCode::NOT_FOUND, "library_not_found")
        );
        let viewer = ApiError::from(Denied::Lacks(Need::Upload));
        assert_eq!(
            (viewer.status, &*viewer.code),
            (StatusCode::FORBIDDEN, "not_allowed")
        );
        fn file_not_found() -> ApiError {
            Missing::File.into()
        }
        assert_eq!(
            Denied::NotMember.hidden_as(file_not_found).code,
            "file_not_found"
        );
        assert_eq!(
            Denied::Lacks(Need::Manage).hidden_as(file_not_found).code,
            "not_allowed"
        );
    }

    #[test]
    fn every_missing_thing_is_a_404_with_its_own_sentence() {
        for missing in [Missing::Movie, Missing::File, Missing::LoginSession] {
            let e = ApiError::from(missing);
            assert_eq!(e.status, StatusCode::NOT_FOUND);
            assert_eq!(e.code, missing.code());
            assert!(e.message.ends_with('.'), "{}", e.message);
        }
    }
}
