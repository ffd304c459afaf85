//! The Open OTT web app: Leptos components and routes rendered on the server and hydrated in
//! the browser, plus the server functions they call (bodies compiled only with `ssr`).

pub mod api;
pub mod components;
pub mod error;
pub mod pages;
pub mod routes;
pub mod upload;

use components::header::Header;
use components::session::{provide_session, use_session};
use leptos::prelude::*;
use leptos_meta::{Html, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{Lazy, SsrMode, path};

/// Whether this request's page gets the browser app (the hydration scripts): only a logged-in
/// user's do. A visitor can only reach plain pages (log in, sign up, an invite's first page,
/// not found) whose forms post to the server and follow its redirect, so the app's code would
/// only weigh on a first visit. A page the app navigates to is still rendered by it.
fn ships_app() -> bool {
    #[cfg(feature = "ssr")]
    {
        api::server::current_user().is_some()
    }
    #[cfg(not(feature = "ssr"))]
    true
}

/// On a page without the app: a form the server refused comes back with its error in the
/// address (`?__path=…&__err=…`, already shown in the page), which would show it again on
/// reload and make an ugly link; this takes it out of the address bar.
const TIDY_ADDRESS: &str = "(function () { var u = new URL(location.href), q = u.searchParams; \
if (!q.has('__err') && !q.has('__path')) return; q.delete('__err'); q.delete('__path'); \
var rest = q.toString(); history.replaceState(null, '', u.pathname + (rest ? '?' + rest : '') + u.hash); })();";

/// The HTML document around the app, rendered on the server. The user's theme is put on
/// `<html data-theme>` by [`ThemeAttribute`]. A page without the app says so in
/// `<meta name="ott-app" content="none">` (tests and benchmarks wait for hydration otherwise).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let app = ships_app();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="dark light" />
                <meta name="theme-color" content="#101418" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                {if app {
                    view! { <HydrationScripts options /> }.into_any()
                } else {
                    view! {
                        <meta name="ott-app" content="none" />
                        <script inner_html=TIDY_ADDRESS></script>
                    }
                    .into_any()
                }}
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Pages are rendered whole on the server before the first byte is sent: the first screen is
/// complete in the HTML (forms work without JavaScript) and redirects are real HTTP redirects.
const SSR: SsrMode = SsrMode::Async;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_session();

    view! {
        <ThemeAttribute />
        <Stylesheet id="leptos" href="/pkg/ott.css" />
        <Title formatter=|page: String| {
            if page.is_empty() { "Open OTT".to_owned() } else { format!("{page} · Open OTT") }
        } />
        <Router>
            <a class="skip-link" href="#main">
                "Skip to content"
            </a>
            <Header />
            <main id="main">
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::home::HomePage ssr=SSR />
                    <Route path=path!("/login") view={Lazy::<routes::Login>::new()} ssr=SSR />
                    <Route path=path!("/register") view={Lazy::<routes::Register>::new()} ssr=SSR />
                    <Route path=path!("/setup") view={Lazy::<routes::Setup>::new()} ssr=SSR />
                    <Route path=path!("/movie/:imdb_id") view={Lazy::<routes::Movie>::new()} ssr=SSR />
                    <Route path=path!("/watch/:id") view={Lazy::<routes::Watch>::new()} ssr=SSR />
                    <Route path=path!("/upload") view={Lazy::<routes::Upload>::new()} ssr=SSR />
                    <Route path=path!("/admin") view={Lazy::<routes::Admin>::new()} ssr=SSR />
                    <Route path=path!("/search") view={Lazy::<routes::Search>::new()} ssr=SSR />
                    <Route path=path!("/share") view={Lazy::<routes::Share>::new()} ssr=SSR />
                    <Route path=path!("/monitor") view={Lazy::<routes::Monitor>::new()} ssr=SSR />
                    <Route path=path!("/join/:token") view={Lazy::<routes::Join>::new()} ssr=SSR />
                    <Route path=path!("/settings") view={Lazy::<routes::Settings>::new()} ssr=SSR />
                    <Route path=path!("/categories") view={Lazy::<routes::Categories>::new()} ssr=SSR />
                    <Route path=path!("/libraries") view={Lazy::<routes::Libraries>::new()} ssr=SSR />
                </Routes>
            </main>
        </Router>
    }
}

/// Puts the user's theme on `<html data-theme>` in the server's HTML, so the first paint
/// already has the right colours (no flash). It comes from the session that every page loads
/// anyway, so no request pays an extra query for it; visitors get `system`.
#[component]
fn ThemeAttribute() -> impl IntoView {
    let session = use_session();
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let theme = match session.me.await {
                    Ok(Some(me)) => me.preferences.theme,
                    _ => domain::settings::Theme::default(),
                };
                view! { <Html {..} data-theme=theme.as_str() /> }
            })}
        </Suspense>
    }
}
