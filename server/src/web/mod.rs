//! The HTTP side: one router for the JSON API, the Leptos pages and server functions, and the
//! static files, behind the middleware every request passes.

pub mod api;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod traffic;

use axum::Router;
use axum::extract::FromRef;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{any, get};
use backend::AppState;
use http::{HeaderValue, header};
use leptos::prelude::provide_context;
use leptos_axum::{
    AxumRouteListing, LeptosRoutes, file_and_error_handler_with_context, generate_route_list,
};
use leptos_config::LeptosOptions;
use tower::Layer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// Router state: the application plus the Leptos site settings the page handlers need.
#[derive(Clone, FromRef)]
pub struct WebState {
    pub app: AppState,
    pub leptos: LeptosOptions,
}

/// The app's page routes, found once per process by rendering the app with resource loading
/// switched off. That switch is one process-wide flag in `leptos_server`, and a resource whose
/// first poll falls inside that window waits forever
/// (<https://github.com/leptos-rs/leptos/issues/4773>): building a second router while pages
/// are being served (as the in-process tests did for every test server) hung a page now and
/// then. Found once, before the first router exists, no page can be rendering meanwhile.
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

/// The browser app's files (`/pkg/`, with the release build's brotli and gzip copies). Their
/// names stay the same from one version to the next, so a browser is told to ask whether its
/// copy is current (`no-cache`: a `304` when it is) rather than guess from the file's age and
/// run an old app against an upgraded server. A route of its own, not leptos_axum's fallback
/// file handler, which passes only Accept-Encoding on and so never answers `304`.
fn site_files(leptos: &LeptosOptions) -> SetResponseHeader<ServeDir, HeaderValue> {
    SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))
        .layer(leptos_axum::site_pkg_dir_service(leptos))
}

pub fn router(state: AppState, leptos: LeptosOptions) -> Router {
    let (api_routes, mut openapi) = api::routes().split_for_parts();
    api::document_common_answers(&mut openapi);
    let openapi_json = std::sync::Arc::new(
        openapi
            .to_pretty_json()
            .expect("the OpenAPI document serializes"),
    );

    let web_state = WebState {
        app: state.clone(),
        leptos: leptos.clone(),
    };
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let shell = move |options: LeptosOptions| app::shell(options);

    Router::new()
        .merge(api_routes)
        .route(
            "/api/openapi.json",
            get(move || {
                let json = openapi_json.clone();
                async move {
                    (
                        [(http::header::CONTENT_TYPE, "application/json")],
                        json.to_string(),
                    )
                }
            }),
        )
        .route("/api/{*rest}", any(api::not_found))
        .route_service(
            &leptos_axum::site_pkg_dir_service_route_path(&leptos),
            site_files(&leptos),
        )
        .leptos_routes_with_context(&web_state, page_routes(), context.clone(), {
            let leptos = leptos.clone();
            move || shell(leptos.clone())
        })
        .fallback(file_and_error_handler_with_context::<WebState, _>(
            context, shell,
        ))
        .method_not_allowed_fallback(api::method_not_allowed)
        .with_state(web_state)
        .layer(from_fn_with_state(state.clone(), middleware::authenticate))
        .layer(from_fn(middleware::reject_cross_origin))
        .layer(from_fn_with_state(state.clone(), middleware::client_info))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(from_fn_with_state(state.clone(), traffic::count))
        .layer(from_fn_with_state(state.clone(), middleware::body_timeout))
        .layer(
            TraceLayer::new_for_http()
                // DefaultMakeSpan's fields, with invite tokens kept out of the logged URI.
                .make_span_with(|req: &http::Request<axum::body::Body>| {
                    let uri = req.uri().path_and_query().map_or("/", |p| p.as_str());
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        uri = %crate::logging::redact_secrets(uri),
                        version = ?req.version(),
                    )
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        // On every answer (pages, API, errors, files, streams): no MIME sniffing, and no
        // framing by other sites (clickjacking). Only `frame-ancestors`: the pages' inline
        // hydration scripts need no other policy.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'"),
        ))
}
