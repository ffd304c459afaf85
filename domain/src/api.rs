//! Shapes exchanged between the server and its clients (the web app, the CLI, scripts).

use crate::Role;
use serde::{Deserialize, Serialize};

/// A user as clients see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInfo {
    pub id: i32,
    pub username: String,
    pub is_admin: bool,
}

/// A library the user can reach, with the user's role in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LibraryInfo {
    pub id: i32,
    pub name: String,
    /// Absolute folder on the server.
    pub path: String,
    pub role: Role,
}

/// A library on the libraries page: what it holds and who shares it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LibraryOverview {
    #[serde(flatten)]
    pub library: LibraryInfo,
    pub movies: u64,
    pub files: u64,
    /// The size of its movie files.
    pub bytes: u64,
    /// People with access, the owner included.
    pub members: u64,
}

/// What removing a library did: `DELETE /api/libraries/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemovedLibrary {
    /// The library as it was: its folder and what it held.
    #[serde(flatten)]
    pub library: crate::monitor::LibraryStorage,
    /// Whether the movie files were deleted; otherwise they are still in its folder.
    pub files_deleted: bool,
}

/// Who may create an account, for visitors (the login and register pages).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignUp {
    /// The server has no account yet: the next one made is the administrator.
    pub first: bool,
    /// Anyone may register (else only with an invite link).
    pub open: bool,
}

/// Who is logged in and what they can reach: `GET /api/me`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub user: UserInfo,
    pub libraries: Vec<LibraryInfo>,
    /// The library pages show by default (the user's choice, else their first library).
    pub active_library_id: Option<i32>,
    /// The user's own settings (theme, uploads, subtitles, autoplay).
    #[serde(default)]
    pub preferences: crate::settings::Preferences,
}

impl Me {
    pub fn active_library(&self) -> Option<&LibraryInfo> {
        self.active_library_id
            .and_then(|id| self.libraries.iter().find(|l| l.id == id))
    }
}

/// The state of an upload: the answer to `init`, and what a client resumes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UploadState {
    pub upload_id: String,
    /// Bytes stored so far; the next chunk starts here.
    pub offset: u64,
    /// Number of the last accepted chunk (0 when none); the next one is `chunkNr + 1`.
    pub chunk_nr: u64,
    /// The chunk size the server prefers, in bytes.
    pub chunk_size: u64,
}

/// The answer to an accepted (or repeated) chunk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChunkAccepted {
    pub offset: u64,
    pub chunk_nr: u64,
}

/// A finished upload, now part of the library.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UploadFinished {
    /// The new video file; `null` for subtitles.
    pub movie_file_id: Option<i32>,
    /// Path inside the library, e.g. `tt0133093/1080p/movie.mkv`.
    pub path: String,
}

/// One file a client is about to upload, as the browser describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FileDescription {
    pub filename: String,
    pub size: u64,
    /// `File.lastModified`: milliseconds since the epoch.
    pub last_modified: u64,
}

/// What the server already has of a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FileStatus {
    /// Nothing yet.
    New,
    /// Partly uploaded: resume with `init`, which answers this state.
    Partial {
        #[serde(rename = "uploadId")]
        upload_id: String,
        offset: u64,
    },
    /// Already in the library.
    AlreadyUploaded {
        #[serde(rename = "movieFileId")]
        movie_file_id: Option<i32>,
        #[serde(rename = "imdbId")]
        imdb_id: Option<String>,
    },
    /// The description itself is not acceptable (bad name, unsupported type, too large).
    Invalid { error: String, message: String },
}

/// Room for uploads in a library, checked before anything is sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UploadSpace {
    /// Bytes free on the disk (the smaller of the library's and the staging area's);
    /// `u64::MAX` for a library in a bucket ([`UploadSpace::unbounded`]).
    pub free: u64,
    /// Bytes always left free; an upload that would eat into them is refused.
    pub reserve: u64,
    /// `free - reserve`: what a selection may add up to.
    pub usable: u64,
    /// Largest file the server takes.
    pub max_file_size: u64,
    /// Set when the disk is nearly full (below the monitor's warning threshold).
    #[serde(default)]
    pub warning: Option<String>,
}

impl UploadSpace {
    /// The space of a library in a bucket: no disk of the server's fills up (the store keeps
    /// its own limits); `free` and `usable` are `u64::MAX`.
    pub fn unbounded(max_file_size: u64) -> UploadSpace {
        UploadSpace {
            free: u64::MAX,
            reserve: 0,
            usable: u64::MAX,
            max_file_size,
            warning: None,
        }
    }

    pub fn is_unbounded(&self) -> bool {
        self.usable == u64::MAX
    }
}

/// An unfinished upload of the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PendingUpload {
    pub upload_id: String,
    pub library_id: i32,
    pub filename: String,
    pub size: u64,
    pub last_modified: u64,
    pub offset: u64,
    pub chunk_nr: u64,
    /// Unix seconds of the last accepted chunk.
    pub updated: i64,
}

/// A stored file of a movie, for choosing between overwrite and another version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MovieFileInfo {
    pub id: i32,
    pub path: String,
    pub resolution: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub duration_seconds: Option<f64>,
    pub size: i64,
    pub version_label: Option<String>,
    /// `mp4`, `matroska`, … as ffprobe names it.
    #[serde(default)]
    pub container: Option<String>,
    #[serde(default)]
    pub video_codec: Option<String>,
    #[serde(default)]
    pub audio_codec: Option<String>,
    /// What ffprobe found in the file (`MediaProbe::summary`), e.g.
    /// `HEVC 10-bit · E-AC-3 5.1 (eng), AAC 2.0 (fra) · 2 subtitles`; None until it is analysed.
    #[serde(default)]
    pub streams: Option<String>,
    /// `done`, `pending` (not analysed yet), `failed` (ffprobe cannot read it as a video) or
    /// `off` (the server does not analyse files); None where not looked up (upload answers).
    #[serde(default)]
    pub analysis: Option<String>,
}

/// A remux job of one file (`domain::remux`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RemuxStatus {
    /// `none`, `waiting` (another job runs), `running`, `done` or `failed`.
    pub state: String,
    /// How far ffmpeg is, 0–100, while running (when the file's length is known).
    pub percent: Option<f64>,
    /// The MP4's file id, when done.
    pub file_id: Option<i32>,
    /// What went wrong, when failed.
    pub message: Option<String>,
}

/// Another site's score of a movie, as shown: `{"source": "rottenTomatoes", "value": "88%"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingInfo {
    pub source: String,
    pub value: String,
}

/// A movie in a list: a library's movies, or the parts of a collection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MovieLink {
    pub imdb_id: String,
    pub title: String,
    pub year: Option<i32>,
    /// Whether the library has its cover (else pages show the title on a colour).
    pub has_poster: bool,
    /// Changes when the cover does (its modification time), so its URL can be cached for good.
    pub poster_version: Option<u64>,
}

/// A movie named by hand (`POST /api/movies`): its title, and its year when known. Used when
/// the movie database cannot be reached or does not know the film.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamedMovie {
    pub title: String,
    #[serde(default)]
    pub year: Option<u16>,
}

/// A collection and the parts of it the library holds, in release order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CollectionInfo {
    pub name: String,
    pub parts: Vec<MovieLink>,
}

/// A movie as its page shows it, in one library: `GET /api/movies/{imdbId}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MovieView {
    pub library_id: i32,
    pub imdb_id: String,
    pub title: String,
    pub original_title: Option<String>,
    pub year: Option<i32>,
    pub plot: Option<String>,
    pub runtime_minutes: Option<i32>,
    pub content_rating: Option<String>,
    /// IMDb's rating out of 10, and its number of votes.
    pub rating: Option<f64>,
    pub rating_count: Option<i32>,
    pub other_ratings: Vec<RatingInfo>,
    pub genres: Vec<String>,
    pub cast: Vec<String>,
    pub directors: Vec<String>,
    pub has_poster: bool,
    pub has_backdrop: bool,
    /// `youtube:KEY`, a URL, or `file:…` for a downloaded trailer.
    pub trailer: Option<String>,
    /// `pending`, `fetched`, `failed` or `manual`.
    pub metadata_status: String,
    /// Why the last fetch failed, in words.
    pub metadata_error: Option<String>,
    pub collection: Option<CollectionInfo>,
    pub files: Vec<MovieFileInfo>,
    /// Whether the caller may refresh the metadata and fix the match here.
    pub can_edit: bool,
    /// Whether the caller may delete the movie's files (managers and the owner).
    #[serde(default)]
    pub can_delete: bool,
    /// The library's hand-picked categories and whether the movie is in each (managers
    /// only; empty for others).
    #[serde(default)]
    pub categories: Vec<crate::categories::MovieCategory>,
}

/// A subtitle track of a movie, served as WebVTT.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubtitleTrack {
    /// BCP 47 language tag for `srclang`, when the file name has one.
    pub lang: Option<String>,
    pub label: String,
    /// Where the WebVTT is served.
    pub url: String,
    /// Switched on when the player opens (the user's subtitle language).
    #[serde(default)]
    pub default: bool,
}

/// What the player needs: `GET /api/files/{id}/watch`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WatchView {
    pub file_id: i32,
    pub library_id: i32,
    pub imdb_id: String,
    pub title: String,
    pub year: Option<i32>,
    /// Where the video is streamed from (HTTP Range).
    pub stream_url: String,
    /// The MIME type by the file's extension, for `canPlayType`.
    pub content_type: String,
    pub video_codec: Option<String>,
    pub duration_seconds: Option<f64>,
    pub subtitles: Vec<SubtitleTrack>,
    /// Where the user stopped last time, unless they finished it.
    pub resume_at: Option<f64>,
    /// The collection's next part that the library has a file of.
    #[serde(default)]
    pub next: Option<NextPart>,
    /// Whether the player goes on to `next` by itself (the user's setting).
    #[serde(default)]
    pub autoplay_next: bool,
    /// What the browser is asked about the file before playing it; None while the file has not
    /// been analysed (the player then plays it directly).
    #[serde(default)]
    pub playback: Option<PlaybackProbe>,
}

/// What the player asks the browser before `GET /api/files/{id}/playback`: part of
/// [`WatchView`], from the file's probe (absent until the file has been analysed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PlaybackProbe {
    /// Every RFC 6381 codec string to test with `MediaSource.isTypeSupported` (and
    /// `canPlayType` where HLS is native): the video, each audio track, what a transcode makes.
    pub codecs: Vec<String>,
    /// The type to give `canPlayType` for playing the file as it is, e.g.
    /// `video/x-matroska; codecs="avc1.640028, ac-3"`; None when no browser plays the container.
    pub direct_type: Option<String>,
    /// Every audio track, for the player's menu.
    pub audio_tracks: Vec<AudioTrackInfo>,
}

/// One audio track of a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AudioTrackInfo {
    /// The stream's index in the file, sent back as `audio=` to choose it.
    pub index: u32,
    /// e.g. `English · E-AC-3 5.1` or the track's own title.
    pub label: String,
    pub language: Option<String>,
    pub default: bool,
}

/// A subtitle stream inside the movie file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EmbeddedSubtitle {
    pub index: u32,
    pub label: String,
    pub lang: Option<String>,
    /// WebVTT made from the stream; None for image subtitles (PGS, VobSub), which browsers
    /// cannot show as text: they are listed as not supported yet.
    pub url: Option<String>,
    pub forced: bool,
}

/// How a file plays in the browser that reported what it decodes:
/// `GET /api/files/{id}/playback`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PlaybackView {
    /// `direct`, `remux`, `audio` or `transcode`.
    pub mode: String,
    /// What is done and why, for the curious: "Direct play", "Converting audio (AC-3 → AAC)".
    pub note: String,
    /// Named reasons (`code` and a sentence) why the file is not played as it is.
    pub reasons: Vec<PlaybackReason>,
    /// Direct: the file (`/stream/{id}`). Otherwise the HLS playlist of a playback session.
    pub url: String,
    /// The playback session (not for direct play): end it with
    /// `DELETE /api/playback/{session}` when the player leaves.
    pub session: Option<String>,
    /// The audio track playing.
    pub audio: Option<u32>,
    pub audio_tracks: Vec<AudioTrackInfo>,
    pub embedded_subtitles: Vec<EmbeddedSubtitle>,
    pub duration_seconds: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaybackReason {
    pub code: String,
    pub message: String,
}

/// The part of a collection that comes after the one playing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NextPart {
    pub file_id: i32,
    pub title: String,
    pub year: Option<i32>,
}

/// A row of the home page: its first movies, and whether it has more.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Row {
    /// e.g. `recent`, `collection:4`, `genre:12`, `decade:1990`.
    pub id: String,
    pub title: String,
    pub items: Vec<MovieLink>,
    pub more: bool,
}

/// A page of home rows: `GET /api/rows?library=ID&offset=N`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowsPage {
    pub rows: Vec<Row>,
    /// The offset of the next page, if there is one.
    pub next: Option<u32>,
}

/// An invite link of a library, as its owner sees it (the token is shown only once, at
/// creation): `GET /api/libraries/{id}/invites`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InviteInfo {
    pub id: i32,
    pub role: Role,
    pub single_use: bool,
    pub uses: i32,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; none: until revoked.
    pub expires_at: Option<String>,
    pub revoked: bool,
    /// Whether the link still lets someone join.
    pub usable: bool,
}

/// A new invite and its link: `POST /api/libraries/{id}/invites`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatedInvite {
    pub invite: InviteInfo,
    /// The secret part of the link; shown only now.
    pub token: String,
    /// The link's path on this server: `/join/{token}`.
    pub path: String,
}

/// What an invite link offers, shown before joining: `GET /api/invites/{token}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InvitePreview {
    pub library_id: i32,
    pub library_name: String,
    pub invited_by: String,
    pub role: Role,
    /// The visitor's role there already, if they are a member.
    pub current_role: Option<Role>,
}

/// A member of a library: `GET /api/libraries/{id}/members`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MemberInfo {
    pub user_id: i32,
    pub username: String,
    pub role: Role,
    /// RFC 3339.
    pub joined_at: String,
}

/// A personal API token, without its secret: `GET /api/tokens`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenInfo {
    pub id: i32,
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; updated at most every few minutes.
    pub last_used_at: Option<String>,
}

/// A new token and its secret, shown only now: `POST /api/tokens`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: TokenInfo,
    /// Send it as `Authorization: Bearer <token>`.
    pub token: String,
}
