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
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use leptos_config::LeptosOptions;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// Router state: the application plus the Leptos site settings the page handlers need.
#[derive(Clone, FromRef)]
pub struct WebState {
    pub app: AppState,
    pub leptos: LeptosOptions,
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
        .leptos_routes_with_context(
            &web_state,
            generate_route_list(app::App),
            context.clone(),
            {
                let leptos = leptos.clone();
                move || shell(leptos.clone())
            },
        )
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
