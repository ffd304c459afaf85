use crate::api::movies::{get_library_movies, picture_url};
use crate::components::session::RequireUser;
use domain::api::MovieLink;
use leptos::either::{Either, EitherOf4};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// Home: the active library's movies. A user without a library is sent to set one up, and an
/// empty library straight to the upload page.
#[component]
pub fn HomePage() -> impl IntoView {
    // Blocking, so those redirects are real HTTP redirects on the first load.
    let found = Resource::new_blocking(|| (), |_| get_library_movies());
    view! {
        <Title text="" />
        <RequireUser render=move |_| {
            view! {
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match found.await {
                            Ok(None) => EitherOf4::A(view! { <Redirect path="/setup" /> }),
                            Ok(Some(l)) if l.movies.is_empty() => {
                                EitherOf4::B(view! { <Redirect path=format!("/upload?library={}", l.library.id) /> })
                            }
                            Ok(Some(l)) => {
                                let library = l.library.id;
                                EitherOf4::C(view! {
                                    <section class="library" aria-labelledby="library-name">
                                        <h1 id="library-name">{l.library.name}</h1>
                                        <p class="hint">{match l.movies.len() { 1 => "1 movie".to_owned(), n => format!("{n} movies") }}</p>
                                        <ul class="poster-grid">
                                            {l.movies.into_iter().map(|m| view! { <li><PosterCard movie=m library /></li> }).collect_view()}
                                        </ul>
                                    </section>
                                })
                            }
                            Err(e) => EitherOf4::D(view! { <p class="form-error" role="alert">{e.message}</p> }),
                        }
                    })}
                </Suspense>
            }
        } />
    }
}

/// A movie's poster (or its title on a colour) with its title and year, linking to its page.
#[component]
pub fn PosterCard(movie: MovieLink, library: i32) -> impl IntoView {
    let label = match movie.year {
        Some(y) => format!("{} ({y})", movie.title),
        None => movie.title.clone(),
    };
    let picture = if movie.has_poster {
        Either::Left(view! {
            <img src=picture_url(library, &movie.imdb_id, "poster") alt="" loading="lazy" width="200" height="300" />
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
