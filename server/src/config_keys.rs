//! Every key of the `--config` file, for `ott config keys` (the README has the same list in
//! prose). A test checks that this list and the keys the file accepts are the same.

/// One key of the config file.
pub struct Key {
    pub name: &'static str,
    /// The built-in value, as a person reads it.
    pub default: &'static str,
    /// A valid TOML value (the tests parse every one).
    pub example: &'static str,
    pub what: &'static str,
}

const fn key(
    name: &'static str,
    default: &'static str,
    example: &'static str,
    what: &'static str,
) -> Key {
    Key {
        name,
        default,
        example,
        what,
    }
}

/// The keys, grouped as a reader looks for them.
pub const GROUPS: &[(&str, &[Key])] = &[
    (
        "Server",
        &[
            key(
                "addr",
                "127.0.0.1:3000",
                "\"0.0.0.0:3000\"",
                "address to listen on",
            ),
            key(
                "data_dir",
                "./data",
                "\"/var/lib/ott\"",
                "database, default libraries, uploads in progress, cache",
            ),
            key(
                "database_url",
                "SQLite in data_dir",
                "\"postgres://ott@localhost/ott\"",
                "the database",
            ),
            key(
                "trusted_proxies",
                "none",
                "[\"127.0.0.1\"]",
                "reverse proxies whose X-Forwarded-For/-Proto are believed",
            ),
            key(
                "secure_cookies",
                "false",
                "true",
                "always mark cookies Secure (they are over HTTPS anyway)",
            ),
            key(
                "header_timeout_secs",
                "15",
                "15",
                "time for a request's headers (TLS handshake included)",
            ),
            key(
                "body_timeout_secs",
                "60",
                "60",
                "how long a request body may pause (then 408; uploads resume)",
            ),
            key(
                "idle_timeout_secs",
                "75",
                "75",
                "a kept-alive connection's wait for its next request",
            ),
            key(
                "max_connections",
                "2048",
                "2048",
                "connections at once; more wait",
            ),
        ],
    ),
    (
        "Accounts",
        &[
            key("session_days", "30", "30", "how long a login lasts"),
            key(
                "login_attempts_per_ip_per_minute",
                "30",
                "30",
                "login attempts from one address",
            ),
            key(
                "login_attempts_per_user",
                "10",
                "10",
                "a burst of attempts per account, then one every 30 s",
            ),
            key(
                "registrations_per_ip_per_hour",
                "10",
                "10",
                "registration attempts from one address",
            ),
        ],
    ),
    (
        "Uploads and libraries",
        &[
            key(
                "upload_chunk_size",
                "8 MiB",
                "8388608",
                "chunk size suggested to clients (bytes)",
            ),
            key(
                "upload_max_chunk_size",
                "64 MiB",
                "67108864",
                "largest chunk accepted (bytes)",
            ),
            key(
                "upload_max_size",
                "1 TiB",
                "1099511627776",
                "largest file (bytes)",
            ),
            key(
                "storage_reserve",
                "1 GiB",
                "1073741824",
                "free space uploads never take (bytes)",
            ),
            key(
                "upload_max_age_days",
                "7",
                "7",
                "unfinished uploads are removed after this",
            ),
            key(
                "subtitle_max_size",
                "10 MiB",
                "10485760",
                "largest subtitle file (bytes)",
            ),
            key(
                "upload_quota_bytes",
                "none",
                "500000000000",
                "what one user may store (bytes)",
            ),
            key(
                "uploads_open_per_user",
                "20",
                "20",
                "unfinished uploads per user",
            ),
            key(
                "library_roots",
                "none",
                "[\"/mnt/movies\"]",
                "folders in which non-admins may put a library",
            ),
            key(
                "object_stores",
                "none",
                "{ home = { endpoint = \"http://127.0.0.1:8333\", region = \"us-east-1\", access_key_id = \"ott\", secret_access_key = \"…\", streams = \"proxy\", sign_payload = true } }",
                "S3-compatible stores for libraries at s3://<name>/<bucket>/<prefix>; keys also from OTT_OBJECT_STORE_<NAME>_ACCESS_KEY_ID / _SECRET_ACCESS_KEY; streams = \"redirect\" sends players to the store; sign_payload (default: on for http://, off for https://) signs each request's body",
            ),
            key(
                "storage_warning_percent",
                "10",
                "10",
                "warn admins below this much free space",
            ),
        ],
    ),
    (
        "Movie details",
        &[
            key(
                "metadata_providers",
                "[\"tmdb\", \"imdb\", \"omdb\"]",
                "[\"imdb\"]",
                "who gives details, in order (those without a key are skipped)",
            ),
            key(
                "tmdb_api_key",
                "none (or OTT_TMDB_API_KEY)",
                "\"eyJ…\"",
                "TMDB's Read Access Token or v3 key",
            ),
            key(
                "omdb_api_key",
                "none (or OTT_OMDB_API_KEY)",
                "\"abcd1234\"",
                "OMDb's key",
            ),
            key(
                "metadata_timeout_secs",
                "10",
                "10",
                "time for one provider request",
            ),
            key(
                "imdb_suggest_url",
                "https://v3.sg.media-imdb.com",
                "\"http://127.0.0.1:8080\"",
                "IMDb's search (tests point it elsewhere)",
            ),
            key(
                "imdb_url",
                "https://www.imdb.com",
                "\"http://127.0.0.1:8080\"",
                "IMDb's pages",
            ),
            key(
                "tmdb_url",
                "https://api.themoviedb.org",
                "\"http://127.0.0.1:8080\"",
                "TMDB's API",
            ),
            key(
                "tmdb_image_url",
                "https://image.tmdb.org/t/p/original",
                "\"http://127.0.0.1:8080/img\"",
                "TMDB's images",
            ),
            key(
                "omdb_url",
                "https://www.omdbapi.com",
                "\"http://127.0.0.1:8080\"",
                "OMDb's API",
            ),
        ],
    ),
    (
        "Playback",
        &[
            key(
                "ffmpeg",
                "ffmpeg",
                "\"/usr/bin/ffmpeg\"",
                "converts for browsers and makes MP4 versions; its ffprobe analyses files; \"\" switches it off",
            ),
            key(
                "transcode_limit",
                "half the cores",
                "1",
                "video conversions at once; more get 503 transcode_busy",
            ),
            key(
                "copy_session_limit",
                "16",
                "16",
                "playback sessions that copy the video, at once",
            ),
            key(
                "playback_idle_secs",
                "180",
                "180",
                "a playback session without requests ends",
            ),
            key(
                "slow_machine",
                "below 4 cores",
                "true",
                "transcode sources larger than 1080p at 720p",
            ),
        ],
    ),
];

/// The text `ott config keys` prints.
pub fn describe() -> String {
    let width = GROUPS
        .iter()
        .flat_map(|(_, keys)| keys.iter())
        .map(|k| k.name.len())
        .max()
        .unwrap_or(0);
    let mut out = String::from(
        "Keys of the --config file (TOML). Later sources win: built-in defaults, the file, OTT_* \
         environment variables, flags.\n",
    );
    for (group, keys) in GROUPS {
        out.push_str(&format!("\n{group}\n"));
        for k in *keys {
            out.push_str(&format!(
                "  {:width$}  {} (default: {})\n",
                k.name, k.what, k.default
            ));
        }
    }
    out.push_str(
        "\nExample:\n  addr = \"0.0.0.0:3000\"\n  metadata_providers = [\"tmdb\", \"imdb\"]\n",
    );
    out
}
