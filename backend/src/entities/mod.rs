//! sea-orm entities, one module per table (see `migration` for the schema itself).

pub mod api_token;
pub mod bucket_upload;
pub mod category;
pub mod category_movie;
pub mod collection;
pub mod collection_movie;
pub mod genre;
pub mod instance;
pub mod instance_setting;
pub mod library;
pub mod library_invite;
pub mod library_member;
pub mod media_probe;
pub mod movie;
pub mod movie_file;
pub mod movie_genre;
pub mod movie_move;
pub mod playback_session;
pub mod rate_limit;
pub mod session;
pub mod traffic_minute;
pub mod uploaded_file;
pub mod user;
pub mod user_settings;
pub mod watch_progress;

/// The entity types under short names, e.g. `use crate::entities::prelude::*; User::find()`.
pub mod prelude {
    pub use super::api_token::Entity as ApiToken;
    pub use super::bucket_upload::Entity as BucketUpload;
    pub use super::category::Entity as Category;
    pub use super::category_movie::Entity as CategoryMovie;
    pub use super::collection::Entity as Collection;
    pub use super::collection_movie::Entity as CollectionMovie;
    pub use super::genre::Entity as Genre;
    pub use super::instance::Entity as Instance;
    pub use super::instance_setting::Entity as InstanceSetting;
    pub use super::library::Entity as Library;
    pub use super::library_invite::Entity as LibraryInvite;
    pub use super::library_member::Entity as LibraryMember;
    pub use super::media_probe::Entity as MediaProbe;
    pub use super::movie::Entity as Movie;
    pub use super::movie_file::Entity as MovieFile;
    pub use super::movie_genre::Entity as MovieGenre;
    pub use super::movie_move::Entity as MovieMove;
    pub use super::playback_session::Entity as PlaybackSession;
    pub use super::rate_limit::Entity as RateLimit;
    pub use super::session::Entity as Session;
    pub use super::traffic_minute::Entity as TrafficMinute;
    pub use super::uploaded_file::Entity as UploadedFile;
    pub use super::user::Entity as User;
    pub use super::user_settings::Entity as UserSettings;
    pub use super::watch_progress::Entity as WatchProgress;
}
