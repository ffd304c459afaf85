//! Who is logged in, loaded once per page load and shared with every component.
//!
//! Logging in or out, registering and creating a library end with a full page load (see
//! [`crate::components::forms::follow_on_success`]), so this never goes stale.

use crate::api::auth::get_me;
use crate::error::AppError;
use domain::api::Me;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_router::components::Redirect;

#[derive(Clone, Copy)]
pub struct Session {
    pub me: Resource<Result<Option<Me>, AppError>>,
}

pub fn provide_session() {
    // Blocking: the server waits for it before sending headers, so pages can redirect with a
    // real HTTP redirect when someone is not logged in.
    let me = Resource::new_blocking(|| (), |_| get_me());
    provide_context(Session { me });
}

pub fn use_session() -> Session {
    expect_context()
}

/// Renders `render(me)` for a logged-in user; sends visitors to the login page.
#[component]
pub fn RequireUser<F, V>(render: F) -> impl IntoView
where
    F: Fn(Me) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let session = use_session();
    view! {
        <Suspense fallback=|| view! { <p class="loading" aria-live="polite">"Loading…"</p> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match session.me.await {
                        Ok(Some(me)) => EitherOf3::A(render(me)),
                        Ok(None) => EitherOf3::B(view! { <Redirect path="/login" /> }),
                        Err(e) => EitherOf3::C(view! { <p class="form-error" role="alert">{e.message}</p> }),
                    }
                })
            }}
        </Suspense>
    }
}

/// Sends a logged-in user away from pages meant for visitors (login, register).
#[component]
pub fn RedirectIfLoggedIn() -> impl IntoView {
    let session = use_session();
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                matches!(session.me.await, Ok(Some(_))).then(|| view! { <Redirect path="/" /> })
            })}
        </Suspense>
    }
}
