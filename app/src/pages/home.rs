use crate::api::movies::{HomeRows, get_home_rows, get_row_items, poster_srcset, poster_url};
use crate::components::session::RequireUser;
use domain::api::{MovieLink, Row};
use leptos::either::{Either, EitherOf4};
use leptos::ev;
use leptos::html::{Div, Ul};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;
use wasm_bindgen::JsCast;

/// Movies a row asks for at a time as it is scrolled sideways (the server's page size).
const ROW_PAGE: usize = 20;

/// Home: the active library as rows of posters (Continue watching, Recently added, each
/// franchise, Top rated, genres, decades, Unwatched). The first rows are in the server's HTML;
/// more load as the page is scrolled down, and more posters as a row is scrolled sideways.
/// A user without a library is sent to set one up, and an empty library to the upload page.
#[component]
pub fn HomePage() -> impl IntoView {
    let query = use_query_map();
    // `?from=N`: the rows from N, for a browser without JavaScript following "More rows".
    let from = move || {
        query
            .read()
            .get("from")
            .and_then(|f| f.parse::<u32>().ok())
            .unwrap_or(0)
    };
    // Blocking, so those redirects are real HTTP redirects on the first load.
    let found = Resource::new_blocking(from, get_home_rows);
    view! {
        <Title text="" />
        <RequireUser render=move |_| {
            view! {
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match found.await {
                            Ok(None) => EitherOf4::A(view! { <Redirect path="/setup" /> }),
                            Ok(Some(h)) if h.page.rows.is_empty() && from() == 0 => {
                                EitherOf4::B(view! { <Redirect path=format!("/upload?library={}", h.library.id) /> })
                            }
                            Ok(Some(h)) => EitherOf4::C(view! { <Rows home=h /> }),
                            Err(e) => EitherOf4::D(view! { <p class="form-error" role="alert">{e.message}</p> }),
                        }
                    })}
                </Suspense>
            }
        } />
    }
}

#[component]
fn Rows(home: HomeRows) -> impl IntoView {
    let library = home.library.id;
    let rows = RwSignal::new(home.page.rows);
    let next = RwSignal::new(home.page.next);
    let loading = RwSignal::new(false);
    let sentinel = NodeRef::<Div>::new();

    let load_more = move || {
        let Some(offset) = next.get_untracked() else {
            return;
        };
        if loading.get_untracked() {
            return;
        }
        loading.set(true);
        leptos::task::spawn_local(async move {
            if let Ok(Some(more)) = get_home_rows(offset).await {
                rows.update(|r| r.extend(more.page.rows));
                next.set(more.page.next);
            }
            loading.set(false);
        });
    };
    // Rows load when the end of the page comes within a screen of the window.
    let near_end = move || {
        sentinel.get_untracked().is_some_and(|s| {
            let height = window()
                .inner_height()
                .ok()
                .and_then(|h| h.as_f64())
                .unwrap_or(800.0);
            s.get_bounding_client_rect().top() < height * 2.0
        })
    };
    let on_scroll = window_event_listener(ev::scroll, move |_| {
        if near_end() {
            load_more();
        }
    });
    on_cleanup(move || on_scroll.remove());
    // A short first page may not fill the screen, and then nothing scrolls.
    Effect::new(move |_| {
        if !loading.get() && next.get().is_some() && near_end() {
            load_more();
        }
    });

    view! {
        <section class="library" aria-labelledby="library-name">
            <h1 id="library-name">{home.library.name}</h1>
            <For each=move || rows.get() key=|row| row.id.clone() let:row>
                <Carousel row library />
            </For>
            <div node_ref=sentinel class="rows-end">
                {move || next.get().map(|n| view! {
                    <a
                        class="button-quiet"
                        href=format!("/?from={n}")
                        on:click=move |e| {
                            e.prevent_default();
                            load_more();
                        }
                    >
                        {move || if loading.get() { "Loading…" } else { "More rows" }}
                    </a>
                })}
            </div>
        </section>
    }
}

/// A row of posters that scrolls sideways: buttons, arrow keys, touch, and more posters
/// loaded near its end.
#[component]
fn Carousel(row: Row, library: i32) -> impl IntoView {
    let list = NodeRef::<Ul>::new();
    let items = RwSignal::new(row.items);
    let more = RwSignal::new(row.more);
    let loading = RwSignal::new(false);
    let id = row.id.clone();
    let heading = format!("row-{}", row.id.replace(':', "-"));

    let scroll = move |direction: f64| {
        if let Some(list) = list.get_untracked() {
            let options = web_sys::ScrollToOptions::new();
            options.set_left(direction * f64::from(list.client_width()) * 0.9);
            options.set_behavior(web_sys::ScrollBehavior::Smooth);
            list.scroll_by_with_scroll_to_options(&options);
        }
    };
    let maybe_more = move |_| {
        let Some(el) = list.get_untracked() else {
            return;
        };
        let width = el.client_width();
        if !more.get_untracked()
            || loading.get_untracked()
            || el.scroll_left() + 2 * width < el.scroll_width()
        {
            return;
        }
        loading.set(true);
        let (row, offset) = (id.clone(), items.with_untracked(Vec::len) as u64);
        leptos::task::spawn_local(async move {
            if let Ok(found) = get_row_items(library, row, offset).await {
                more.set(found.len() >= ROW_PAGE);
                items.update(|i| i.extend(found));
            }
            loading.set(false);
        });
    };
    // Left and right move the focus between posters.
    let arrows = move |e: ev::KeyboardEvent| {
        let step = match e.key().as_str() {
            "ArrowRight" => true,
            "ArrowLeft" => false,
            _ => return,
        };
        let item = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("li").ok().flatten());
        let target = item
            .and_then(|li| {
                if step {
                    li.next_element_sibling()
                } else {
                    li.previous_element_sibling()
                }
            })
            .and_then(|li| li.query_selector("a").ok().flatten())
            .and_then(|a| a.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(a) = target {
            e.prevent_default();
            let _ = a.focus();
        }
    };

    let labelled_by = heading.clone();
    view! {
        <section class="row" aria-labelledby=labelled_by>
            <h2 id=heading>{row.title}</h2>
            <div class="carousel">
                <button class="carousel-button prev" aria-label="Scroll back" on:click=move |_| scroll(-1.0)>"‹"</button>
                <ul class="row-items" node_ref=list on:scroll=maybe_more on:keydown=arrows>
                    <For each=move || items.get() key=|m| m.imdb_id.clone() let:movie>
                        <li><PosterCard movie library /></li>
                    </For>
                </ul>
                <button class="carousel-button next" aria-label="Scroll on" on:click=move |_| scroll(1.0)>"›"</button>
            </div>
        </section>
    }
}

/// A movie's poster (or its title on a colour) with its title and year, linking to its page.
#[component]
pub fn PosterCard(movie: MovieLink, library: i32) -> impl IntoView {
    let label = domain::format::title_year(&movie.title, movie.year);
    let picture = if movie.has_poster {
        Either::Left(view! {
            <img
                src=poster_url(library, &movie, 320)
                srcset=poster_srcset(library, &movie)
                sizes="(max-width: 40rem) 34vw, 10rem"
                alt=""
                loading="lazy"
                decoding="async"
                width="320"
                height="480"
            />
        })
    } else {
        Either::Right(
            view! { <span class="poster placeholder" aria-hidden="true">{movie.title.clone()}</span> },
        )
    };
    view! {
        <a class="poster-card" href=format!("/movie/{}?library={library}", movie.imdb_id)>
            {picture}
            <span class="poster-title">{label}</span>
        </a>
    }
}
