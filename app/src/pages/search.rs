//! `/search?q=…`: the active library's movies by title, cast or year, as a grid of posters,
//! updated while typing. Without JavaScript the header's search form lands here too.

use crate::api::movies::search_library;
use crate::components::session::RequireUser;
use crate::components::title::live_title;
use crate::pages::home::PosterCard;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

/// Typing pause before the results follow, in milliseconds.
const DEBOUNCE_MS: u32 = 250;

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let text = move || query.read().get("q").unwrap_or_default();
    let found = Resource::new(text, search_library);
    let navigate = use_navigate();
    // Follows the typing: the address (and so the results) changes after a pause.
    let on_input = move |e: leptos::ev::Event| {
        let typed = event_target_value(&e);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            crate::upload::http::sleep(DEBOUNCE_MS).await;
            let box_now = document()
                .get_element_by_id("search-page-box")
                .and_then(|el| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(el).ok())
                .map(|el| el.value());
            if box_now.as_deref() == Some(typed.as_str()) {
                let to = format!("/search?q={}", js_sys::encode_uri_component(&typed));
                navigate(
                    &to,
                    NavigateOptions {
                        replace: true,
                        scroll: false,
                        ..Default::default()
                    },
                );
            }
        });
    };
    view! {
        <Title text=live_title(move || match text() { t if t.is_empty() => "Search".to_owned(), t => format!("{t} – search") }) />
        <RequireUser render=move |_| {
            let on_input = on_input.clone();
            view! {
                <section class="search-page">
                    <h1>"Search"</h1>
                    <form action="/search" method="get" role="search" aria-label="Search this library" on:submit=|e| e.prevent_default()>
                        <input id="search-page-box" type="search" name="q" autocomplete="off" autofocus
                            aria-label="Title, actor or year" placeholder="Title, actor or year"
                            prop:value=text on:input=on_input />
                    </form>
                    <Transition fallback=|| view! { <p class="loading">"Searching…"</p> }>
                        {move || Suspend::new(async move {
                            match found.await {
                                Err(e) => EitherOf3::A(view! { <p class="notice" role="alert">{e.message}</p> }),
                                Ok(None) => EitherOf3::A(view! { <p class="notice" role="status">{"You have no library yet.".to_owned()}</p> }),
                                Ok(Some(f)) if f.movies.is_empty() => EitherOf3::B(view! {
                                    <p class="notice" role="status">{
                                        if text().trim().is_empty() {
                                            "Type a title, an actor's name or a year.".to_owned()
                                        } else {
                                            format!("No movie in {} matches “{}”. Check the spelling, try the year or an actor, or add the film on the Upload page.", f.library.name, text())
                                        }
                                    }</p>
                                }),
                                Ok(Some(f)) => {
                                    let library = f.library.id;
                                    EitherOf3::C(view! {
                                        <p class="hint" role="status">{format!("{} in {}", match f.movies.len() { 1 => "1 movie".to_owned(), n => format!("{n} movies") }, f.library.name)}</p>
                                        <ul class="search-results" aria-label="Search results">
                                            {f.movies.into_iter().map(|m| view! { <li><PosterCard movie=m library /></li> }).collect_view()}
                                        </ul>
                                    })
                                }
                            }
                        })}
                    </Transition>
                </section>
            }
        } />
    }
}
