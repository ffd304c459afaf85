use crate::api::categories::SetInCategory;
use crate::api::movies::{FixMatch, RefreshMovie, SearchMovies, get_movie, picture_url};
use crate::api::playback::{DeleteFile, StartRemux, get_remux_status};
use crate::components::forms::{ErrorMessage, error_text, follow_on_success};
use crate::components::session::RequireUser;
use domain::api::{MovieFileInfo, MovieLink, MovieView};
use domain::categories::MovieCategory;
use domain::format;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

/// A movie's page: its details, the other parts of its collection, the library's files of it,
/// and for uploaders "refresh metadata" and "fix match".
#[component]
pub fn MoviePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let refresh = ServerAction::<RefreshMovie>::new();
    // This page's address, to load it whole.
    let location = use_location();
    let here = move || {
        let search = location.search.get_untracked();
        let path = location.pathname.get_untracked();
        if search.is_empty() {
            path
        } else {
            format!("{path}?{search}")
        }
    };
    let movie = Resource::new_blocking(
        move || {
            (
                params.read().get("imdb_id").unwrap_or_default(),
                query
                    .read()
                    .get("library")
                    .and_then(|l| l.parse::<i32>().ok()),
                refresh.version().get(),
            )
        },
        |(imdb_id, library, _)| get_movie(imdb_id, library),
    );
    view! {
        <RequireUser render=move |_| {
            view! {
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match movie.await {
                            Ok(m) => Either::Left(view! { <MovieDetails movie=m refresh /> }),
                            Err(e) => Either::Right(view! {
                                <Title text="Movie not found" />
                                <section class="card narrow">
                                    <h1>"Movie not found"</h1>
                                    <p role="alert">{e.message.clone()}</p>
                                    // Loaded whole, the old address of a movie named by hand
                                    // is redirected by the server to its new page.
                                    {(e.error == "movie_moved").then(|| view! {
                                        <p><a href=here() rel="external">"Open its new page"</a></p>
                                    })}
                                    <p><a href="/">"Back to the library"</a></p>
                                </section>
                            }),
                        }
                    })}
                </Suspense>
            }
        } />
    }
}

#[component]
fn MovieDetails(movie: MovieView, refresh: ServerAction<RefreshMovie>) -> impl IntoView {
    let library = movie.library_id;
    let poster = movie
        .has_poster
        .then(|| picture_url(library, &movie.imdb_id, "poster"));
    let backdrop = movie.has_backdrop.then(|| {
        format!(
            "background-image: url(\"{}\")",
            picture_url(library, &movie.imdb_id, "backdrop")
        )
    });
    let mut facts = Vec::new();
    if let Some(y) = movie.year {
        facts.push(y.to_string());
    }
    if let Some(m) = movie.runtime_minutes.and_then(|m| u32::try_from(m).ok()) {
        facts.push(format::runtime(m));
    }
    if let Some(c) = &movie.content_rating {
        facts.push(c.clone());
    }
    if !movie.genres.is_empty() {
        facts.push(movie.genres.join(", "));
    }
    let mut ratings = Vec::new();
    if let Some(r) = movie.rating {
        let votes = movie
            .rating_count
            .map(|v| format!(" ({v} votes)"))
            .unwrap_or_default();
        ratings.push(format!("IMDb {r:.1}/10{votes}"));
    }
    for r in &movie.other_ratings {
        let site = match r.source.as_str() {
            "rottenTomatoes" => "Rotten Tomatoes",
            "metacritic" => "Metacritic",
            "tmdb" => "TMDB",
            other => other,
        };
        ratings.push(format!("{site} {}", r.value));
    }
    let by_hand = domain::imdb::is_provisional(&movie.imdb_id);
    let status = match movie.metadata_status.as_str() {
        "pending" if by_hand => Some(
            "This movie was named by hand: its details are looked up as soon as the movie database can be reached.".to_owned(),
        ),
        "pending" => {
            Some("The details of this movie are being fetched; reload in a moment.".to_owned())
        }
        "failed" => Some(format!(
            "The details of this movie could not be fetched{}. It still plays; try \"Refresh metadata\" later, or fix the match if it is the wrong movie.",
            movie
                .metadata_error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        )),
        _ => None,
    };
    // A trailer file in the library plays here; one on a site opens there.
    let local_trailer = movie
        .trailer
        .as_deref()
        .is_some_and(|t| t.starts_with("file:"))
        .then(|| format!("/api/movies/{}/trailer?library={library}", movie.imdb_id));
    let trailer = movie.trailer.as_deref().and_then(|t| {
        if let Some(key) = t.strip_prefix("youtube:") {
            Some(format!("https://www.youtube.com/watch?v={key}"))
        } else if t.starts_with("https://") || t.starts_with("http://") {
            Some(t.to_owned())
        } else {
            None
        }
    });
    let people = |label: &'static str, names: &[String]| {
        (!names.is_empty()).then(|| {
            view! {
                <dt>{label}</dt>
                <dd>{names.join(", ")}</dd>
            }
        })
    };
    let directors = people(
        if movie.directors.len() > 1 {
            "Directors"
        } else {
            "Director"
        },
        &movie.directors,
    );
    let cast = people("Cast", &movie.cast);
    let title = movie.title.clone();
    view! {
        <Title text=title.clone() />
        <article class="movie">
            <div class="movie-backdrop" style=backdrop aria-hidden="true"></div>
            <div class="movie-head">
                {match poster {
                    Some(src) => Either::Left(view! {
                        <img class="poster" src=src alt=format!("Poster of {title}") width="300" height="450" />
                    }),
                    None => Either::Right(view! {
                        <div class="poster placeholder" aria-hidden="true">{title.clone()}</div>
                    }),
                }}
                <div class="movie-info">
                    <h1>{movie.title.clone()}</h1>
                    {movie.original_title.clone().filter(|o| *o != movie.title).map(|o| view! { <p class="original-title">{o}</p> })}
                    <p class="facts">{facts.join(" · ")}</p>
                    {(!ratings.is_empty()).then(|| view! { <p class="ratings">{ratings.join(" · ")}</p> })}
                    {status.map(|s| view! { <p class="notice" role="status">{s}</p> })}
                    {movie.plot.clone().map(|p| view! { <p class="plot">{p}</p> })}
                    {movie.files.first().map(|f| view! {
                        <p><a class="button-primary play" href=format!("/watch/{}", f.id)>"▶ Play"</a></p>
                    })}
                    <dl class="people">{directors}{cast}</dl>
                    {trailer.map(|href| view! {
                        <p><a href=href rel="noopener noreferrer" target="_blank">"Watch the trailer"</a></p>
                    })}
                </div>
            </div>
            {local_trailer.map(|src| view! {
                <section class="trailer" aria-label="Trailer">
                    <h2>"Trailer"</h2>
                    <video controls playsinline preload="none" src=src aria-label=format!("Trailer of {}", movie.title)></video>
                </section>
            })}
            {movie.collection.clone().map(|c| view! {
                <section class="collection" aria-label=format!("Collection: {}", c.name)>
                    <h2>{c.name.clone()}</h2>
                    <ol class="parts">
                        {c.parts.into_iter().map(|p| view! { <li><PartLink part=p library current=movie.imdb_id.clone() /></li> }).collect_view()}
                    </ol>
                </section>
            })}
            <Versions files=movie.files.clone() can_delete=movie.can_delete />
            {movie.can_edit.then(|| view! {
                <InCategories library imdb_id=movie.imdb_id.clone() categories=movie.categories.clone() />
                <Manage library imdb_id=movie.imdb_id.clone() title=movie.title.clone() year=movie.year refresh />
            })}
        </article>
    }
}

#[component]
fn PartLink(part: MovieLink, library: i32, current: String) -> impl IntoView {
    let label = format::title_year(&part.title, part.year);
    if part.imdb_id == current {
        Either::Left(view! { <span aria-current="page">{label}</span> })
    } else {
        Either::Right(
            view! { <a href=format!("/movie/{}?library={library}", part.imdb_id)>{label}</a> },
        )
    }
}

#[component]
fn Versions(files: Vec<MovieFileInfo>, can_delete: bool) -> impl IntoView {
    let paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
    let delete = ServerAction::<DeleteFile>::new();
    // The page is rebuilt from the server once a file is gone.
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            let _ = window().location().reload();
        }
    });
    view! {
        {move || match delete.value().get() {
            Some(Err(e)) => Some(view! { <p class="form-error" role="alert">{e.message}</p> }),
            _ => None,
        }}
        <section class="versions">
            <h2>{if files.len() == 1 { "File" } else { "Versions" }}</h2>
            <table>
                <thead>
                    <tr><th scope="col">"File"</th><th scope="col">"Quality"</th><th scope="col">"Length"</th><th scope="col">"Size"</th><th scope="col"><span class="visually-hidden">"Play"</span></th>{can_delete.then(|| view! { <th scope="col"><span class="visually-hidden">"Delete"</span></th> })}</tr>
                </thead>
                <tbody>
                    {files.into_iter().map(|f| {
                        let name = f.path.rsplit('/').next().unwrap_or(&f.path).to_owned();
                        let name_asked = f.path.clone();
                        let quality = f.resolution.clone().or_else(|| f.height.map(|h| format!("{h}p"))).unwrap_or_else(|| "–".into());
                        let quality_label = quality.clone();
                        let length = f.duration_seconds.map(format::clock).unwrap_or_else(|| "–".into());
                        // What ffprobe found inside, under the name (e.g. "HEVC 10-bit · E-AC-3 5.1 (eng) · 2 subtitles").
                        let streams = match (f.streams.clone(), f.analysis.as_deref()) {
                            (Some(summary), _) => Some(summary),
                            (None, Some("pending")) => Some("Analysing…".to_owned()),
                            (None, Some("failed")) => Some("Not readable as a video".to_owned()),
                            _ => None,
                        };
                        view! {
                            <tr>
                                <td>
                                    {name}{f.version_label.map(|l| format!(" ({l})"))}
                                    {streams.map(|s| view! { <span class="file-streams">{s}</span> })}
                                </td>
                                <td>{quality}</td>
                                <td>{length}</td>
                                <td>{format::size(u64::try_from(f.size).unwrap_or(0))}</td>
                                <td><a href=format!("/watch/{}", f.id) aria-label=format!("Play {}", quality_label)>"Play"</a></td>
                                {can_delete.then(|| {
                                    let question = format!("Delete {name_asked} from the library? The file is removed from the server's disk.");
                                    let file_id = f.id;
                                    // Not once its MP4 is among the versions.
                                    let convertible = domain::remux::plan(&f.path, f.container.as_deref(), f.video_codec.as_deref(), f.audio_codec.as_deref()).is_ok()
                                        && !paths.contains(&domain::remux::output_path(&f.path));
                                    view! {
                                        <td class="file-actions">
                                            {convertible.then(|| view! { <Convert file_id /> })}
                                            <button class="button-quiet small" aria-label=format!("Delete {name_asked}")
                                                disabled=move || delete.pending().get()
                                                on:click=move |_| {
                                                    if window().confirm_with_message(&question).unwrap_or(false) {
                                                        delete.dispatch(DeleteFile { file_id });
                                                    }
                                                }>"Delete"</button>
                                        </td>
                                    }
                                })}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// "Refresh metadata" and "fix match", for those who may upload to the library.
#[component]
fn Manage(
    library: i32,
    imdb_id: String,
    title: String,
    year: Option<i32>,
    refresh: ServerAction<RefreshMovie>,
) -> impl IntoView {
    let search = ServerAction::<SearchMovies>::new();
    let fix = ServerAction::<FixMatch>::new();
    follow_on_success(fix);
    // `?queued=1`: the plain form (without JavaScript) was answered by this page again.
    let queued_by_form = use_query_map().read_untracked().get("queued").is_some();
    let refreshed = move || queued_by_form || matches!(refresh.value().get(), Some(Ok(None)));
    // A movie named by hand that was found: on to its page.
    Effect::new(move |_| {
        if let Some(Ok(Some(next))) = refresh.value().get() {
            let _ = window().location().set_href(&next);
        }
    });
    let refreshed_text = if domain::imdb::is_provisional(&imdb_id) {
        "Looked up again: the movie database cannot tell it yet (see above)."
    } else {
        "Queued: the details are fetched again in a moment."
    };
    let refresh_error = Signal::derive(move || error_text(refresh.value().get()));
    let search_error = Signal::derive(move || error_text(search.value().get()));
    let fix_error = Signal::derive(move || error_text(fix.value().get()));
    let from = imdb_id.clone();
    view! {
        <section class="manage card">
            <h2>"Wrong or missing details?"</h2>
            <ActionForm action=refresh>
                <input type="hidden" name="library" value=library />
                <input type="hidden" name="imdb_id" value=imdb_id.clone() />
                <button type="submit" class="button-quiet">"Refresh metadata"</button>
                {move || refreshed().then(|| view! { <p role="status" class="saved">{refreshed_text}</p> })}
                <ErrorMessage message=refresh_error />
            </ActionForm>
            <h3>"Fix match"</h3>
            <p class="hint">"If these files are another movie, find it and pick it: the files move to that movie."</p>
            <ActionForm action=search attr:class="search-form">
                <label for="match-query">"Title"</label>
                <input id="match-query" name="query" type="search" value=title required maxlength="200" />
                <label for="match-year">"Year"</label>
                <input id="match-year" name="year" type="number" min="1888" max="2100" value=year.map(|y| y.to_string()) />
                <button type="submit" class="button-quiet">"Search"</button>
            </ActionForm>
            <ErrorMessage message=search_error />
            {move || search.pending().get().then(|| view! { <p class="loading" aria-live="polite">"Searching…"</p> })}
            {move || {
                let from = from.clone();
                search.value().get().and_then(Result::ok).map(|found| {
                    if found.candidates.is_empty() {
                        Either::Left(view! { <p role="status">"No movie found with that title."</p> })
                    } else {
                        Either::Right(view! {
                            <ul class="candidates" aria-label="Search results">
                                {found.candidates.into_iter().map(|c| {
                                    let c = c.candidate;
                                    let label = format::title_year(&c.title, c.year);
                                    let current = c.imdb_id == from;
                                    let from = from.clone();
                                    view! {
                                        <li>
                                            <ActionForm action=fix>
                                                <input type="hidden" name="library" value=library />
                                                <input type="hidden" name="imdb_id" value=from />
                                                <input type="hidden" name="to" value=c.imdb_id.clone() />
                                                <span class="candidate">{label}{c.cast.map(|cast| view! { <small>{cast}</small> })}</span>
                                                <button type="submit" class="button-quiet" disabled=current>
                                                    {if current { "This is the current match" } else { "This one" }}
                                                </button>
                                            </ActionForm>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        })
                    }
                })
            }}
            <ErrorMessage message=fix_error />
        </section>
    }
}

/// The library's hand-picked categories as boxes, for managers: ticking one puts the movie
/// into that home-page row at once.
#[component]
fn InCategories(library: i32, imdb_id: String, categories: Vec<MovieCategory>) -> impl IntoView {
    let set = ServerAction::<SetInCategory>::new();
    let error = Signal::derive(move || error_text(set.value().get()));
    let manage = format!("/categories?library={library}");
    view! {
        <section class="in-categories card">
            <h2>"In categories"</h2>
            {if categories.is_empty() {
                Either::Left(view! {
                    <p class="hint">"This library has no hand-picked categories. "
                        <a href=manage>"Make one"</a>
                        " to put this movie in a row of your own on the home page."</p>
                })
            } else {
                Either::Right(view! {
                    <ul class="category-boxes">
                        {categories.into_iter().map(|c| {
                            let id = format!("in-category-{}", c.id);
                            let label_for = id.clone();
                            let imdb_id = imdb_id.clone();
                            let category = c.id;
                            view! {
                                <li>
                                    <label for=label_for class="choice">
                                        <input id=id type="checkbox" checked=c.included on:change=move |ev| {
                                            set.dispatch(SetInCategory { id: category, imdb_id: imdb_id.clone(), included: event_target_checked(&ev) });
                                        } />
                                        {c.title}
                                    </label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <p class="hint"><a href=manage>"Manage categories"</a></p>
                })
            }}
            {move || matches!(set.value().get(), Some(Ok(()))).then(|| view! { <p class="saved" role="status">"Saved."</p> })}
            <ErrorMessage message=error />
        </section>
    }
}

/// "Optimise for playback" (an MP4 made without re-encoding) for an MKV with H.264 video, and the job's progress; the page reloads
/// with the new version when it is done.
#[component]
fn Convert(file_id: i32) -> impl IntoView {
    let start = ServerAction::<StartRemux>::new();
    let job = RwSignal::new(None::<domain::api::RemuxStatus>);
    // Asks the server how the job is doing until it ends.
    fn follow(file_id: i32, job: RwSignal<Option<domain::api::RemuxStatus>>) {
        leptos::task::spawn_local(async move {
            let Ok(now) = get_remux_status(file_id).await else {
                return;
            };
            let state = now.state.clone();
            job.set(Some(now));
            match state.as_str() {
                "waiting" | "running" => set_timeout(
                    move || follow(file_id, job),
                    std::time::Duration::from_secs(1),
                ),
                "done" => {
                    let _ = window().location().reload();
                }
                _ => {}
            }
        });
    }
    // A job started before this page was opened shows at once.
    Effect::new(move |_| follow(file_id, job));
    Effect::new(move |_| {
        if let Some(Ok(queued)) = start.value().get() {
            job.set(Some(queued));
            follow(file_id, job);
        }
    });
    let busy = move || {
        start.pending().get()
            || job.with(|j| {
                j.as_ref()
                    .is_some_and(|j| matches!(j.state.as_str(), "waiting" | "running"))
            })
    };
    let line = move || {
        if let Some(Err(e)) = start.value().get() {
            return Some(
                view! { <span class="form-error" role="alert">{e.message}</span> }.into_any(),
            );
        }
        let j = job.get()?;
        Some(match j.state.as_str() {
            "waiting" => view! { <span role="status">"Waiting for another conversion…"</span> }.into_any(),
            "running" => {
                let percent = j.percent.unwrap_or(0.0);
                view! {
                    <span role="status">
                        <progress max="100" value=percent aria-label="Converting to MP4"></progress>
                        {format!(" Converting… {percent:.0} %")}
                    </span>
                }
                .into_any()
            }
            "done" => view! { <span role="status">"Converted; reloading…"</span> }.into_any(),
            "failed" => view! {
                <span class="form-error" role="alert">{format!("The conversion failed: {}", j.message.unwrap_or_default())}</span>
            }
            .into_any(),
            _ => return None,
        })
    };
    view! {
        <button class="button-quiet small" disabled=busy
            title="Makes an MP4 version that every browser plays as it is, without converting on the fly (the video is copied, not re-encoded)"
            on:click=move |_| { start.dispatch(StartRemux { file_id }); }>"Optimise for playback"</button>
        {line}
    }
}
