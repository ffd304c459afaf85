//! The bar at the top of every page: app name, navigation, the user and log out.
//!
//! Its forms are plain `<form>`s that post to the server function (so they work without
//! JavaScript) and dispatch it themselves when hydrated. `ActionForm` would do the same but
//! decodes the form's fields on the client (serde_qs), which this eagerly loaded part of the
//! bundle would then carry for every page.

use super::forms::follow_on_success;
use super::session::use_session;
use crate::api::auth::Logout;
use crate::api::libraries::SwitchLibrary;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::A;

#[component]
pub fn Header() -> impl IntoView {
    let session = use_session();
    let logout = ServerAction::<Logout>::new();
    follow_on_success(logout);
    let switch = ServerAction::<SwitchLibrary>::new();
    follow_on_success(switch);
    let picked = NodeRef::<leptos::html::Select>::new();

    view! {
        <header class="site-header">
            <A href="/" attr:class="brand">
                "Open OTT"
            </A>
            <Transition>
                {move || Suspend::new(async move {
                    session
                        .me
                        .await
                        .ok()
                        .flatten()
                        .map(|me| {
                            let owner = me.libraries.iter().any(|l| {
                                Some(l.id) == me.active_library_id && l.role == domain::Role::Owner
                            });
                            let settings_label = format!("Settings of {}", me.user.username);
                            let monitor = me.user.is_admin
                                || me.libraries.iter().any(|l| l.role.can_manage());
                            view! {
                                <nav aria-label="Main">
                                    <A href="/">"Home"</A>
                                    <A href="/upload">"Upload"</A>
                                    {owner.then(|| view! { <A href="/share">"Share"</A> })}
                                    {monitor.then(|| view! { <A href="/monitor">"Monitor"</A> })}
                                    <A href="/libraries">"Libraries"</A>
                                    {me.user.is_admin.then(|| view! { <A href="/admin">"Admin"</A> })}
                                </nav>
                                {(me.libraries.len() > 1).then(|| {
                                    let active = me.active_library_id;
                                    view! {
                                        // A plain form (works without JavaScript); with it, choosing is enough.
                                        <form action=SwitchLibrary::url() method="post" class="library-switch"
                                            on:submit=move |ev| {
                                                ev.prevent_default();
                                                if let Some(library) = picked.get().and_then(|s| s.value().parse().ok()) {
                                                    switch.dispatch(SwitchLibrary { library });
                                                }
                                            }>
                                            <select name="library" aria-label="Library" node_ref=picked
                                                on:change=move |ev| {
                                                    if let Ok(library) = event_target_value(&ev).parse() {
                                                        switch.dispatch(SwitchLibrary { library });
                                                    }
                                                }>
                                                {me.libraries.iter().map(|l| view! {
                                                    <option value=l.id.to_string() selected=Some(l.id) == active>{l.name.clone()}</option>
                                                }).collect_view()}
                                            </select>
                                            <noscript><button type="submit" class="button-quiet small">"Show"</button></noscript>
                                        </form>
                                    }
                                })}
                                <form class="header-search" action="/search" method="get" role="search">
                                    <input type="search" name="q" aria-label="Search movies" placeholder="Search" autocomplete="off" />
                                </form>
                                <div class="user-menu">
                                    <A href="/settings" attr:class="username"
                                        attr:aria-label=settings_label
                                        attr:title="Your settings">
                                        {me.user.username.clone()}
                                    </A>
                                    <form action=Logout::url() method="post"
                                        on:submit=move |ev| {
                                            ev.prevent_default();
                                            logout.dispatch(Logout {});
                                        }>
                                        <button type="submit" class="button-quiet">
                                            "Log out"
                                        </button>
                                    </form>
                                </div>
                            }
                        })
                })}
            </Transition>
        </header>
    }
}
