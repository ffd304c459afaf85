//! `/join/{token}`: someone opened an invite link. Visitors log in or register first (and come
//! back here); members see what the link offers and join with one button.

use crate::api::invites::{AcceptInvite, get_invite_preview};
use crate::components::forms::{ErrorMessage, error_text, follow_on_success};
use crate::components::session::use_session;
use domain::Role;
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

fn can(role: Role) -> &'static str {
    match role {
        Role::Viewer => "browse and watch its movies",
        Role::Uploader => "browse, watch and add movies",
        Role::Manager => "browse, watch, add, edit and delete movies",
        Role::Owner => "do everything",
    }
}

#[component]
pub fn JoinPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let session = use_session();
    let accept = ServerAction::<AcceptInvite>::new();
    follow_on_success(accept);
    let error = Signal::derive(move || error_text(accept.value().get()));

    view! {
        <Title text="Join a library" />
        <section class="card narrow">
            <h1>"Join a library"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let here = format!("/join/{}", token());
                    match session.me.await {
                        Ok(Some(_)) => EitherOf3::A(view! {
                            <Offer token=token() accept=accept />
                            <ErrorMessage message=error />
                        }),
                        Ok(None) => {
                            let next = urlencoding(&here);
                            EitherOf3::B(view! {
                                <p>"You were invited to a library on this server. Log in, or create an account, to join it."</p>
                                <p class="actions">
                                    <a class="button-primary" href=format!("/login?next={next}")>"Log in"</a>
                                    " "
                                    <a class="button-quiet" href=format!("/register?next={next}")>"Create an account"</a>
                                </p>
                            })
                        }
                        Err(e) => EitherOf3::C(view! { <p class="form-error" role="alert">{e.message}</p> }),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// `/join/abc` as a query value (the token is hex, so only the slashes need escaping).
fn urlencoding(path: &str) -> String {
    path.replace('%', "%25").replace('/', "%2F")
}

#[component]
fn Offer(token: String, accept: ServerAction<AcceptInvite>) -> impl IntoView {
    let asked = token.clone();
    let preview = Resource::new(move || asked.clone(), get_invite_preview);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let token = token.clone();
                Suspend::new(async move {
                    match preview.await {
                        Ok(p) => Either::Left(view! {
                            <p class="invite-offer">
                                {p.invited_by.clone()} " invites you to “" <strong>{p.library_name.clone()}</strong>
                                "” as " {p.role.as_str()} ": you can " {can(p.role)} "."
                            </p>
                            {p.current_role.map(|r| view! { <p class="hint">"You are already a member (" {r.as_str()} ")."</p> })}
                            <button class="button-primary" disabled=move || accept.pending().get()
                                on:click=move |_| { accept.dispatch(AcceptInvite { token: token.clone() }); }>
                                "Join “" {p.library_name} "”"
                            </button>
                        }),
                        Err(e) => Either::Right(view! { <p class="form-error" role="alert">{e.message}</p> }),
                    }
                })
            }}
        </Suspense>
    }
}
