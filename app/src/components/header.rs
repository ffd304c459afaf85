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
use leptos::wasm_bindgen::JsCast;
use leptos_router::components::A;

#[component]
pub fn Header() -> impl IntoView {
    let session = use_session();
    let logout = ServerAction::<Logout>::new();
    follow_on_success(logout);
    let switch = ServerAction::<SwitchLibrary>::new();
    follow_on_success(switch);
    let menu = NodeRef::<leptos::html::Details>::new();
    // Links change the page without reloading it, so the open menu is closed by hand.
    let close_menu = move || {
        if let Some(menu) = menu.get() {
            let _ = menu.remove_attribute("open");
        }
    };

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
                                Some(l.id) == me.active_library_id && domain::role::Need::Own.met_by(l.role)
                            });
                            let monitor = me.user.is_admin
                                || me.libraries.iter().any(|l| domain::role::Need::Manage.met_by(l.role));
                            let admin = me.user.is_admin;
                            // The same links in the wide bar and in the phone's menu (only one of
                            // the two is displayed, so assistive technology meets one).
                            let links = move || view! {
                                <nav aria-label="Main">
                                    <A href="/">"Home"</A>
                                    <A href="/upload">"Upload"</A>
                                    {owner.then(|| view! { <A href="/share">"Share"</A> })}
                                    {monitor.then(|| view! { <A href="/monitor">"Monitor"</A> })}
                                    <A href="/libraries">"Libraries"</A>
                                    {admin.then(|| view! { <A href="/admin">"Admin"</A> })}
                                </nav>
                            };
                            let libraries = (me.libraries.len() > 1)
                                .then(|| (me.libraries.clone(), me.active_library_id));
                            let libraries_too = libraries.clone();
                            let username = me.user.username.clone();
                            view! {
                                <div class="header-nav header-wide">{links()}</div>
                                {libraries.map(|(list, active)| view! {
                                    <LibrarySwitch libraries=list active=active switch=switch class="library-switch header-wide" />
                                })}
                                <form class="header-search" action="/search" method="get" role="search" aria-label="Quick search">
                                    <input type="search" name="q" aria-label="Search movies" placeholder="Search" autocomplete="off" />
                                </form>
                                <UserMenu username=username.clone() logout=logout class="user-menu header-wide" />
                                // Phones: one button opens everything else. A <details> opens
                                // without JavaScript and is a button to keyboards and screen readers.
                                <details class="header-menu" node_ref=menu
                                    on:keydown=move |ev| {
                                        if ev.key() == "Escape" {
                                            close_menu();
                                            // Back to the button, not to a link now hidden.
                                            if let Some(summary) = menu
                                                .get()
                                                .and_then(|m| m.query_selector("summary").ok().flatten())
                                                .and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok())
                                            {
                                                let _ = summary.focus();
                                            }
                                        }
                                    }>
                                    <summary aria-label="Menu" title="Menu">
                                        <span aria-hidden="true" class="menu-icon"></span>
                                    </summary>
                                    <div class="header-menu-panel"
                                        on:click=move |ev| {
                                            let on_link = event_target::<web_sys::Element>(&ev)
                                                .closest("a")
                                                .ok()
                                                .flatten()
                                                .is_some();
                                            if on_link {
                                                close_menu();
                                            }
                                        }>
                                        {links()}
                                        {libraries_too.map(|(list, active)| view! {
                                            <LibrarySwitch libraries=list active=active switch=switch class="library-switch" />
                                        })}
                                        <UserMenu username=username logout=logout class="user-menu" />
                                    </div>
                                </details>
                            }
                        })
                })}
            </Transition>
        </header>
    }
}

/// Choosing which library the pages show: a plain form (works without JavaScript); with it,
/// choosing is enough.
#[component]
fn LibrarySwitch(
    libraries: Vec<domain::api::LibraryInfo>,
    active: Option<i32>,
    switch: ServerAction<SwitchLibrary>,
    class: &'static str,
) -> impl IntoView {
    let picked = NodeRef::<leptos::html::Select>::new();
    view! {
        <form action=SwitchLibrary::url() method="post" class=class
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
                {libraries.into_iter().map(|l| view! {
                    <option value=l.id.to_string() selected=Some(l.id) == active>{l.name}</option>
                }).collect_view()}
            </select>
            <noscript><button type="submit" class="button-quiet small">"Show"</button></noscript>
        </form>
    }
}

/// The user's name (their settings) and "Log out".
#[component]
fn UserMenu(username: String, logout: ServerAction<Logout>, class: &'static str) -> impl IntoView {
    let settings_label = format!("Settings of {username}");
    view! {
        <div class=class>
            <A href="/settings" attr:class="username"
                attr:aria-label=settings_label
                attr:title="Your settings">
                {username}
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
}
