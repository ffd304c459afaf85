//! The JSON API for clients other than the web app (the CLI uploader, scripts, tests).
//! Every handler is registered through utoipa, so `/api/openapi.json` lists exactly the
//! routes that exist.

pub mod admin;
pub mod auth;
pub mod categories;
pub mod hls;
pub mod invites;
pub mod libraries;
pub mod monitor;
pub mod movies;
pub mod playback;
pub mod search;
pub mod settings;
pub mod tokens;
pub mod uploads;

use super::WebState;
use super::error::{ErrorBody, Failure};
use axum::extract::DefaultBodyLimit;
use backend::ApiError;
use http::StatusCode;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// JSON bodies on these routes are small; anything larger is a mistake or an attack.
pub const JSON_BODY_LIMIT: usize = 64 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(title = "Open OTT API", description = "JSON API of an Open OTT server. Errors are `{\"error\": code, \"message\": text}`."),
    modifiers(&Security),
    components(schemas(ErrorBody)),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "libraries", description = "Libraries and membership"),
        (name = "metadata", description = "Finding movies by title"),
        (name = "movies", description = "Movies and their metadata"),
        (name = "playback", description = "Streaming, subtitles and resume positions"),
        (name = "uploads", description = "The resumable upload protocol (docs/upload-protocol.md)"),
        (name = "settings", description = "The logged-in user's settings, password and sessions"),
        (name = "admin", description = "Server-wide settings"),
        (name = "server", description = "Health"),
    )
)]
struct ApiDoc;

/// How clients authenticate: the session cookie set by login, or a personal API token.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                backend::auth::sessions::COOKIE_NAME,
            ))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Adds the answers every operation can give besides its own, once, so that the document
/// says what the extractors answer: `400` for a path, query or body that cannot be read,
/// `413`/`415` for a body too large or not JSON, `401` where a login is needed. The fuzzer
/// (bench/fuzz-api.sh) checks every answer against the document.
pub fn document_common_answers(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
    let error = |description: &str| -> RefOr<Response> {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
            .into()
    };
    for item in openapi.paths.paths.values_mut() {
        let shared_parameters = item.parameters.as_ref().is_some_and(|p| !p.is_empty());
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let has_parameters =
                shared_parameters || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let has_body = operation.request_body.is_some();
            let answers = &mut operation.responses.responses;
            if has_parameters || has_body {
                answers
                    .entry("400".into())
                    .or_insert_with(|| error("A parameter or the body is not valid"));
            }
            if has_body {
                answers
                    .entry("413".into())
                    .or_insert_with(|| error("The body is too large"));
                answers
                    .entry("415".into())
                    .or_insert_with(|| error("The body is not JSON"));
            }
            if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
                answers
                    .entry("401".into())
                    .or_insert_with(|| error("Not logged in"));
            }
        }
    }
}

/// A `check` request describes up to 5000 files.
const CHECK_BODY_LIMIT: usize = 2 * 1024 * 1024;

pub fn routes() -> OpenApiRouter<WebState> {
    // Chunk bodies are streamed and bounded by the upload service itself; `check` carries long
    // lists. The innermost body limit wins, so these override the JSON limit below.
    let uploads = OpenApiRouter::new()
        .routes(routes!(uploads::init, uploads::post, uploads::delete))
        .routes(routes!(uploads::check))
        .routes(routes!(uploads::pending))
        .routes(routes!(uploads::movie_files))
        .layer(DefaultBodyLimit::max(CHECK_BODY_LIMIT));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(uploads)
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(libraries::list, libraries::create))
        .routes(routes!(libraries::set_active))
        .routes(routes!(libraries::rename, libraries::remove))
        .routes(routes!(categories::list, categories::create))
        .routes(routes!(categories::reorder))
        .routes(routes!(categories::replace, categories::remove))
        .routes(routes!(categories::add_movie, categories::remove_movie))
        .routes(routes!(settings::get, settings::put))
        .routes(routes!(settings::change_password))
        .routes(routes!(settings::list_sessions))
        .routes(routes!(settings::revoke_session))
        .routes(routes!(invites::create, invites::list))
        .routes(routes!(invites::revoke))
        .routes(routes!(invites::members))
        .routes(routes!(invites::remove_member))
        .routes(routes!(invites::preview))
        .routes(routes!(invites::accept))
        .routes(routes!(admin::get_settings, admin::put_settings))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(search::movies))
        .routes(routes!(search::library))
        .routes(routes!(movies::list, movies::name))
        .routes(routes!(movies::rows))
        .routes(routes!(movies::row_items))
        .routes(routes!(movies::view))
        .routes(routes!(movies::poster))
        .routes(routes!(movies::backdrop))
        .routes(routes!(movies::trailer))
        .routes(routes!(playback::stream))
        .routes(routes!(playback::subtitles))
        .routes(routes!(playback::watch))
        .routes(routes!(playback::progress))
        .routes(routes!(playback::delete_file))
        .routes(routes!(playback::start_remux, playback::remux_status))
        .routes(routes!(hls::playback))
        .routes(routes!(hls::session_file))
        .routes(routes!(hls::end))
        .routes(routes!(hls::end_beacon))
        .routes(routes!(hls::embedded_subtitle))
        .routes(routes!(movies::refresh))
        .routes(routes!(movies::rematch))
        .routes(routes!(monitor::monitor))
        .routes(routes!(healthz))
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
}

/// The server is up and answering.
#[utoipa::path(get, path = "/healthz", tag = "server", responses((status = OK, description = "Always `ok`", body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Unknown `/api/...` addresses get a JSON 404 rather than the HTML page.
pub async fn not_found() -> Failure {
    Failure(ApiError::not_found(
        "There is no API endpoint at this address.",
    ))
}

pub async fn method_not_allowed() -> Failure {
    Failure(ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This address does not accept that HTTP method.",
    ))
}
