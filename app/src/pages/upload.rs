//! `/upload`: pick or drop files, confirm each movie, and watch the queue upload them.

use crate::api::uploads::get_upload_space;
use crate::components::session::RequireUser;
use crate::components::title::live_title;
use crate::upload::queue::{Item, ItemState, Queue};
use crate::upload::{self, Found, Pick, Picked, SHOWN, Selection, Stage, http, store};
use domain::api::{LibraryInfo, Me};
use domain::format;
use domain::upload::EndMode;
use domain::upload::batch::{Unfinished, unfinished};
use leptos::either::{EitherOf3, EitherOf4, EitherOf5};
use leptos::ev;
use leptos::html::Input;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;
use wasm_bindgen::JsCast;

/// Why an uploader is not offered to replace a movie's files (the server would refuse it).
const NO_REPLACE: &str = "Replacing deletes the files already there, which only the library's owner and managers can do: add this as another version, or ask one of them.";

/// Where movies are added to a library.
#[component]
pub fn UploadPage() -> impl IntoView {
    let query = use_query_map();
    view! {
        <RequireUser render=move |me: Me| {
            let wanted = query.read_untracked().get("library").and_then(|id| id.parse::<i32>().ok());
            let library = wanted
                .and_then(|id| me.libraries.iter().find(|l| l.id == id).cloned())
                .or_else(|| me.active_library().cloned());
            match library {
                None => EitherOf3::A(view! { <Redirect path="/setup" /> }),
                Some(lib) if !domain::role::Need::Upload.met_by(lib.role) => EitherOf3::B(view! {
                    <Title text="Upload movies" />
                    <section class="card">
                        <h1>"Upload movies"</h1>
                        <p class="notice" role="note">
                            {format!("You can watch the movies of {} but not add to it; ask its owner.", lib.name)}
                        </p>
                    </section>
                }),
                Some(lib) => {
                    let parallel = me.preferences.simultaneous_uploads.max(1) as usize;
                    EitherOf3::C(view! { <Uploader library=lib parallel /> })
                }
            }
        } />
    }
}

/// The files of a file list (from the picker or a drop), with their folder when a whole
/// folder was picked.
fn picked(list: Option<web_sys::FileList>) -> Vec<Picked> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|file| {
            let relative = js_sys::Reflect::get(&file, &"webkitRelativePath".into())
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            let folder = relative
                .rsplit_once('/')
                .and_then(|(dir, _)| dir.rsplit('/').next())
                .map(str::to_owned);
            Picked { file, folder }
        })
        .collect()
}

#[component]
fn Uploader(library: LibraryInfo, parallel: usize) -> impl IntoView {
    let queue = Queue::new(
        library.id,
        parallel,
        domain::role::Need::Manage.met_by(library.role),
    );
    let selection = Selection::default();
    let space = Resource::new(|| (), move |_| get_upload_space(library.id));
    let leftovers = RwSignal::new(Vec::<Unfinished>::new());
    let dragging = RwSignal::new(false);
    let folder_input = NodeRef::<Input>::new();

    // In the browser only: the unfinished uploads, the folder picker.
    Effect::new(move |_| {
        if let Some(input) = folder_input.get() {
            input.set_webkitdirectory(true);
        }
        leptos::task::spawn_local(async move {
            if let Ok(pending) = http::pending().await {
                leftovers.set(unfinished(queue.library, &pending, &store::load()));
            }
        });
    });

    let take = move |files: Vec<Picked>| {
        if files.is_empty() {
            return;
        }
        leptos::task::spawn_local(selection.take(files, queue));
    };
    let on_pick = move |e: ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&e);
        take(picked(input.files()));
        input.set_value("");
    };
    let on_drop = move |e: ev::DragEvent| {
        e.prevent_default();
        dragging.set(false);
        let Some(transfer) = e.data_transfer() else {
            return;
        };
        // Folders need the entries API; without it (old browsers), the plain file list.
        let entries = upload::drop::entries(&transfer);
        if entries.is_empty() {
            take(picked(transfer.files()));
        } else {
            leptos::task::spawn_local(async move { take(upload::drop::files(entries).await) });
        }
    };

    // Closing the tab mid-upload loses nothing, but it stops the uploads: ask first.
    let guard = window_event_listener(ev::beforeunload, move |e| {
        if queue.is_busy() {
            e.prevent_default();
            e.set_return_value("Uploads are still running.");
        }
    });
    on_cleanup(move || {
        guard.remove();
        // A movie database that could not be reached is not searched again for a page that
        // is gone.
        selection.stop_searching();
    });

    let title = move || {
        let (done, all) = queue.totals();
        if queue
            .items
            .with(|i| i.iter().any(|i| i.state.get() == ItemState::Running))
            && all > 0
        {
            format!("{}% uploading", done * 100 / all)
        } else {
            "Upload movies".to_owned()
        }
    };
    let confident = move || {
        selection.picks.with(|picks| {
            picks
                .iter()
                .filter(|p| {
                    p.stage.get() == Stage::Choosing
                        && p.found
                            .with(|f| matches!(f, Found::Results(r) if r.confident))
                })
                .count()
        })
    };
    let choosing = move || {
        selection.picks.with(|picks| {
            picks.iter().any(|p| {
                matches!(
                    p.stage.get(),
                    Stage::Choosing | Stage::Checking | Stage::Existing { .. }
                )
            })
        })
    };

    view! {
        <Title text=live_title(title) />
        <section class="card uploader">
            <h1>"Upload movies"</h1>
            <p class="library-line">{format!("Library: {}", library.name)}</p>
            <Suspense fallback=|| view! { <p class="hint">"Checking free space…"</p> }>
                {move || Suspend::new(async move {
                    space.await.ok().map(|s| view! {
                        {s.warning.clone().map(|w| view! { <p class="notice warning low-space" role="alert">{w}</p> })}
                        <p class="hint space-line">
                            {if s.is_unbounded() {
                                "This library is kept in a bucket: its storage service sets the limits.".to_owned()
                            } else {
                                format!("{} free for uploads", format::size(s.usable))
                            }}
                            {(s.reserve > 0).then(|| format!(" ({} is kept free)", format::size(s.reserve)))}
                        </p>
                        {move || {
                            let needed = selection.bytes_needed.get();
                            (needed > s.usable).then(|| view! {
                                <p class="notice warning" role="alert">
                                    {format!(
                                        "These files need {} but only {} can be used. Upload fewer files, or make room on the server's disk first.",
                                        format::size(needed), format::size(s.usable)
                                    )}
                                </p>
                            })
                        }}
                    })
                })}
            </Suspense>

            {move || (!leftovers.with(Vec::is_empty)).then(|| view! { <Leftovers leftovers queue /> })}

            <div
                class="drop-zone"
                class:dragging=move || dragging.get()
                on:dragover=move |e: ev::DragEvent| { e.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                <p>"Drop movie files or folders here, or"</p>
                <label class="button-primary file-button">
                    "Choose files"
                    <input type="file" multiple class="visually-hidden" aria-label="Choose movie files"
                        accept="video/*,.mkv,.m4v,.mp4,.webm,.mov,.avi,.srt" on:change=on_pick />
                </label>
                <label class="button-quiet file-button">
                    "Choose a folder"
                    <input type="file" multiple class="visually-hidden" aria-label="Choose a folder of movies"
                        node_ref=folder_input on:change=on_pick />
                </label>
                <p class="hint">"Videos (.mp4, .mkv, .m4v, .webm, .mov, .avi) and subtitles (.srt)."</p>
            </div>
            <label class="parallel">
                "Uploads at once "
                <select on:change=move |e| queue.set_parallel(event_target_value(&e).parse().unwrap_or(parallel))
                    prop:value=move || queue.parallel.get().to_string()>
                    {(domain::settings::UPLOADS_MIN..=domain::settings::UPLOADS_MAX).map(|n| view! {
                        <option value=n.to_string() selected=n as usize == parallel>{n}</option>
                    }).collect_view()}
                </select>
            </label>

            {move || selection.checking.get().then(|| view! { <p class="loading" aria-live="polite">"Looking at the files…"</p> })}
            {move || selection.error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            {move || {
                let already = selection.already.get();
                let rest = selection.picks.with(Vec::len) + selection.skipped.with(Vec::len);
                (!already.is_empty()).then(|| {
                    let text = if rest == 0 && already.len() == 1 {
                        "This file is already in the library; there is nothing to upload.".to_owned()
                    } else if rest == 0 {
                        format!("All {} files are already in the library; there is nothing to upload.", already.len())
                    } else {
                        format!("{} already in the library, left out: {}.", plural(already.len(), "file is", "files are"), already.join(", "))
                    };
                    view! { <p class="notice" role="status">{text}</p> }
                })
            }}
            {move || {
                let skipped = selection.skipped.get();
                (!skipped.is_empty()).then(|| view! {
                    <details class="skipped" open>
                        <summary>{format!("Skipped: {}", plural(skipped.len(), "file", "files"))}</summary>
                        <ul>
                            {skipped.into_iter().map(|s| view! {
                                <li><span class="filename">{s.filename}</span>" — "{s.reason}</li>
                            }).collect_view()}
                        </ul>
                    </details>
                })
            }}
        </section>

        {move || choosing().then(|| view! {
            <section class="card picks-card" aria-labelledby="picks-title">
                <div class="section-head">
                    <h2 id="picks-title">"Which movie is each file?"</h2>
                    <button class="button-primary" disabled=move || confident() == 0
                        on:click=move |_| selection.confirm_confident(queue)>
                        {move || format!("Confirm all clear matches ({})", confident())}
                    </button>
                </div>
                <p class="hint">"Type to search. ↑ ↓ choose, Enter confirms and moves to the next file."</p>
                <ol class="picks">
                    <For each=move || selection.picks.get() key=|p| p.id let:pick>
                        <PickRow pick selection queue />
                    </For>
                </ol>
            </section>
        })}

        {move || (!queue.items.with(Vec::is_empty)).then(|| view! { <QueueView queue /> })}
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Focuses the next file's search box after `current`.
fn focus_next_search(current: &web_sys::Element) {
    let Ok(list) = document().query_selector_all(".pick-search") else {
        return;
    };
    let boxes: Vec<web_sys::HtmlElement> = (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into().ok())
        .collect();
    if let Some(pos) = boxes
        .iter()
        .position(|b| b.unchecked_ref::<web_sys::Element>() == current)
        && let Some(next) = boxes.get(pos + 1)
    {
        let _ = next.focus();
    }
}

#[component]
fn PickRow(pick: Pick, selection: Selection, queue: Queue) -> impl IntoView {
    let stage = pick.stage.clone();
    let header = {
        let mut text = format!("{} · {}", pick.file.filename, format::size(pick.file.size));
        if let Some(at) = pick.resume_at {
            text.push_str(&format!(
                " · will resume at {}%",
                at * 100 / pick.file.size.max(1)
            ));
        }
        if !pick.subtitles.is_empty() {
            text.push_str(&format!(
                " · with {}",
                plural(pick.subtitles.len(), "subtitle", "subtitles")
            ));
        }
        text
    };
    move || {
        let pick = pick.clone();
        match stage.get() {
            Stage::Choosing => EitherOf5::A(
                view! { <li class="pick"><p class="pick-file">{header.clone()}</p><Choose pick selection queue /></li> },
            ),
            Stage::Checking => EitherOf5::B(view! {
                <li class="pick"><p class="pick-file">{header.clone()}</p><p class="loading" aria-live="polite">"Checking the library…"</p></li>
            }),
            Stage::Existing {
                imdb_id,
                title,
                files,
            } => {
                let replace = {
                    let (p, i, t) = (pick.clone(), imdb_id.clone(), title.clone());
                    move |_| upload::enqueue(&p, i.clone(), t.clone(), EndMode::Replace, queue)
                };
                let version = {
                    let (p, i, t) = (pick.clone(), imdb_id.clone(), title.clone());
                    move |_| upload::enqueue(&p, i.clone(), t.clone(), EndMode::Version, queue)
                };
                let back = {
                    let p = pick.clone();
                    move |_| p.stage.set(Stage::Choosing)
                };
                let existing = files
                    .iter()
                    .map(|f| {
                        let what = f.resolution.clone().unwrap_or_else(|| "video".into());
                        format!("{what}, {}", format::size(f.size.max(0) as u64))
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                EitherOf5::C(view! {
                    <li class="pick">
                        <p class="pick-file">{header.clone()}</p>
                        <div class="existing" role="group" aria-label=format!("{title} already has files")>
                            <p>{format!("{title} already has {} in this library ({existing}).", plural(files.len(), "file", "files"))}</p>
                            {queue.may_replace.then(|| view! { <button class="button-quiet" on:click=replace>"Replace them"</button> })}
                            <button class="button-primary" on:click=version>"Add as another version"</button>
                            <button class="button-quiet" on:click=back>"Cancel"</button>
                            {(!queue.may_replace).then(|| view! { <p class="hint">{NO_REPLACE}</p> })}
                        </div>
                    </li>
                })
            }
            Stage::Queued => EitherOf5::D(()),
            Stage::Dropped => EitherOf5::E(()),
        }
    }
}

/// The search box and candidates of one file.
#[component]
fn Choose(pick: Pick, selection: Selection, queue: Queue) -> impl IntoView {
    let confirm = {
        let pick = pick.clone();
        move |i: usize| {
            if let Found::Results(r) = pick.found.get_untracked()
                && let Some(c) = r.candidates.get(i)
            {
                selection.confirm(&pick, c.candidate.imdb_id.clone(), upload::label(c), queue);
            }
        }
    };
    let on_key = {
        let (pick, confirm) = (pick.clone(), confirm.clone());
        move |e: ev::KeyboardEvent| {
            let count = match pick.found.get_untracked() {
                Found::Results(r) => r.candidates.len().min(SHOWN),
                _ => 0,
            };
            match e.key().as_str() {
                "ArrowDown" if count > 0 => {
                    e.prevent_default();
                    pick.highlighted.update(|h| *h = (*h + 1) % count);
                }
                "ArrowUp" if count > 0 => {
                    e.prevent_default();
                    pick.highlighted.update(|h| *h = (*h + count - 1) % count);
                }
                "Enter" => {
                    e.prevent_default();
                    if count > 0 {
                        if let Some(el) = e
                            .target()
                            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        {
                            focus_next_search(&el);
                        }
                        confirm(pick.highlighted.get_untracked());
                    }
                }
                _ => {}
            }
        }
    };
    let on_input = {
        let pick = pick.clone();
        move |e: ev::Event| pick.typed(event_target_value(&e))
    };
    let skip = {
        let pick = pick.clone();
        move |_| selection.drop_pick(&pick)
    };
    let found = pick.found.clone();
    let retry_in = pick.retry_in.clone();
    let pick_again = pick.clone();
    let highlighted = pick.highlighted.clone();
    let query = pick.query.clone();
    let label = format!("Movie for {}", pick.file.filename);
    let file_name = pick.file.filename.clone();
    view! {
        <div class="pick-choose">
            <input type="search" class="pick-search" aria-label=label.clone()
                prop:value=move || query.get() on:input=on_input on:keydown=on_key
                placeholder="Title and year" autocomplete="off" />
            <button class="button-quiet" on:click=skip>"Don't upload"</button>
        </div>
        {move || match found.get() {
            Found::Searching => EitherOf4::A(view! { <p class="loading" aria-live="polite">"Searching…"</p> }),
            Found::Failed(message) => EitherOf4::B(view! {
                <div class="notice">
                    <p role="status">{message}</p>
                    <ByHand pick=pick_again.clone() selection queue />
                </div>
            }),
            Found::Unreachable(message) => {
                let retry_in = retry_in.clone();
                let pick = pick_again.clone();
                let again = move |_| {
                    let pick = pick.clone();
                    leptos::task::spawn_local(async move { upload::search_now(&pick).await });
                };
                EitherOf4::D(view! {
                    <div class="notice unreachable">
                        <p role="status">{message}</p>
                        <p>
                            {move || format!("Trying again in {} s. ", retry_in.get())}
                            <button class="button-quiet small" on:click=again>"Try now"</button>
                        </p>
                        <p class="hint">{upload::PASTE_HINT}</p>
                        <ByHand pick=pick_again.clone() selection queue />
                    </div>
                })
            }
            Found::Results(r) => {
                let highlighted = highlighted.clone();
                let confirm = confirm.clone();
                EitherOf4::C(view! {
                    <ul class="candidates" role="listbox" aria-label=format!("Candidates for {}", file_name)>
                        {r.candidates.into_iter().take(SHOWN).enumerate().map(|(i, c)| {
                            let confirm = confirm.clone();
                            let (highlighted, lit) = (highlighted.clone(), highlighted.clone());
                            let name = upload::label(&c);
                            view! {
                                <li role="option" aria-selected=move || (lit.get() == i).to_string()>
                                    <button class="candidate" class:highlighted=move || highlighted.get() == i
                                        aria-label=format!("This one: {name}") on:click=move |_| confirm(i)>
                                        {c.candidate.poster_url.clone().map(|url| view! {
                                            <img src=url alt="" loading="lazy" referrerpolicy="no-referrer" width="46" height="68" />
                                        })}
                                        <span class="candidate-text">
                                            <strong>{name.clone()}</strong>
                                            {c.candidate.cast.clone().map(|cast| view! { <small>{cast}</small> })}
                                        </span>
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })
            }
        }}
    }
}

/// The way on when no search helps: upload under the title and year in the box, the movie
/// to be looked up by the server later.
#[component]
fn ByHand(pick: Pick, selection: Selection, queue: Queue) -> impl IntoView {
    let query = pick.query.clone();
    let named = move || query.with(|q| upload::named_in(q));
    let on_click = move |_| selection.name_by_hand(&pick, queue);
    move || {
        named().map(|named| {
            let on_click = on_click.clone();
            view! {
                <p class="by-hand">
                    <span class="hint">{upload::BY_HAND_HINT}</span>" "
                    <button class="button-quiet small" on:click=on_click>
                        {format!("Upload as \u{201c}{}\u{201d}", upload::by_hand_label(&named))}
                    </button>
                </p>
            }
        })
    }
}

/// Unfinished uploads the server holds, to continue by picking the files again.
#[component]
fn Leftovers(leftovers: RwSignal<Vec<Unfinished>>, queue: Queue) -> impl IntoView {
    // Files picked again leave this list as they join the queue.
    let still = move || {
        let queued: Vec<_> = queue
            .items
            .with(|items| items.iter().map(|i| i.file.clone()).collect());
        leftovers.with(|l| {
            l.iter()
                .filter(|u| {
                    !queued
                        .iter()
                        .any(|f| f.filename == u.pending.filename && f.size == u.pending.size)
                })
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    move || {
        let list = still();
        (!list.is_empty()).then(|| view! {
            <div class="leftovers" role="region" aria-label="Unfinished uploads">
                <h2>"Unfinished uploads"</h2>
                <p>"Choose these files again to continue where they stopped; nothing already sent is sent twice."</p>
                <ul>
                    {list.into_iter().map(|u| {
                        let percent = u.pending.offset * 100 / u.pending.size.max(1);
                        let movie = u.saved.as_ref().map_or_else(|| "movie not chosen yet".to_owned(), |s| s.title.clone());
                        let id = u.pending.upload_id.clone();
                        let file = u.saved.as_ref().map(|s| s.file.clone());
                        let discard = move |_| {
                            let id = id.clone();
                            if let Some(f) = &file { store::forget(queue.library, f); }
                            leftovers.update(|l| l.retain(|x| x.pending.upload_id != id));
                            leptos::task::spawn_local(async move { let _ = http::cancel(&id).await; });
                        };
                        view! {
                            <li>
                                <span class="filename">{u.pending.filename.clone()}</span>
                                {format!(" — {percent}% sent, {movie}")}
                                <button class="button-quiet small" on:click=discard
                                    aria-label=format!("Discard the unfinished upload of {}", u.pending.filename)>"Discard"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </div>
        })
    }
}

fn eta_text(seconds: Option<f64>) -> String {
    match seconds {
        Some(s) if s.is_finite() => format!("{} left", format::clock(s)),
        _ => String::new(),
    }
}

#[component]
fn QueueView(queue: Queue) -> impl IntoView {
    // One sum per change, for the bar and the line below it.
    let totals = Memo::new(move |_| queue.totals());
    let summary = move || {
        let (done, all) = totals.get();
        let mut text = format!("{} of {}", format::size(done), format::size(all));
        if let Some(speed) = queue.total_speed.get().filter(|_| queue.is_busy()) {
            text.push_str(&format!(" · {}/s", format::size(speed as u64)));
            if speed > 0.0 {
                text.push_str(&format!(
                    " · {}",
                    eta_text(Some((all - done) as f64 / speed))
                ));
            }
        }
        text
    };
    view! {
        <section class="card queue" aria-labelledby="queue-title">
            <h2 id="queue-title">"Uploads"</h2>
            {move || queue.halted.get().map(|why| view! {
                <div class="notice warning" role="alert">
                    <p>{format!("Uploads are paused: {why} Everything sent so far is kept.")}</p>
                    <button class="button-primary" on:click=move |_| queue.retry_halted()>"Try again"</button>
                </div>
            })}
            <progress class="total" aria-label="All uploads"
                max=move || totals.get().1.max(1) as f64 value=move || totals.get().0 as f64></progress>
            <p class="queue-summary" aria-live="polite">{summary}</p>
            <ol class="queue-items">
                <For each=move || queue.items.get() key=|i| i.id let:item>
                    <QueueRow item queue />
                </For>
            </ol>
        </section>
    }
}

#[component]
fn QueueRow(item: Item, queue: Queue) -> impl IntoView {
    let id = item.id;
    let size = item.file.size;
    let (state, stored, speed) = (item.state.clone(), item.stored.clone(), item.speed.clone());
    let line = {
        let (state, stored) = (state.clone(), stored.clone());
        move || {
            let done = stored.get();
            match state.get() {
                ItemState::Waiting => {
                    format!("Waiting · {} of {}", format::size(done), format::size(size))
                }
                ItemState::Running => {
                    let mut t = format!("{} of {}", format::size(done), format::size(size));
                    if let Some((s, eta)) = speed.get() {
                        t.push_str(&format!(
                            " · {}/s · {}",
                            format::size(s as u64),
                            eta_text(eta)
                        ));
                    }
                    t
                }
                ItemState::Paused => {
                    format!("Paused · {} of {}", format::size(done), format::size(size))
                }
                ItemState::Done(path) => format!(
                    "Uploaded{}",
                    if path.is_empty() {
                        String::new()
                    } else {
                        format!(" as {path}")
                    }
                ),
                ItemState::Failed(why) => format!("Failed: {why}"),
                ItemState::Cancelled => "Cancelled".to_owned(),
                ItemState::NeedsChoice(_) => "Uploaded; waiting for your choice".to_owned(),
            }
        }
    };
    let name = item.file.filename.clone();
    let buttons = {
        let state = state.clone();
        let name = name.clone();
        let title = item.title.clone();
        move || {
            let name = name.clone();
            match state.get() {
                ItemState::Running | ItemState::Waiting => EitherOf5::A(view! {
                    <button class="button-quiet small" on:click=move |_| queue.pause(id) aria-label=format!("Pause {name}")>"Pause"</button>
                    <button class="button-quiet small" on:click=move |_| queue.cancel(id) aria-label=format!("Cancel {}", name.clone())>"Cancel"</button>
                }),
                ItemState::Paused => EitherOf5::B(view! {
                    <button class="button-primary small" on:click=move |_| queue.resume(id) aria-label=format!("Resume {name}")>"Resume"</button>
                    <button class="button-quiet small" on:click=move |_| queue.cancel(id) aria-label=format!("Cancel {}", name.clone())>"Cancel"</button>
                }),
                ItemState::NeedsChoice(_) => EitherOf5::C(view! {
                    <div class="existing" role="group" aria-label=format!("{title} already has files")>
                        <p>{format!("{title} already has files in this library.")}</p>
                        {queue.may_replace.then(|| view! { <button class="button-quiet small" on:click=move |_| queue.choose(id, Some(EndMode::Replace))>"Replace them"</button> })}
                        <button class="button-primary small" on:click=move |_| queue.choose(id, Some(EndMode::Version))>"Add as another version"</button>
                        <button class="button-quiet small" on:click=move |_| queue.choose(id, None)>"Cancel"</button>
                        {(!queue.may_replace).then(|| view! { <p class="hint">{NO_REPLACE}</p> })}
                    </div>
                }),
                ItemState::Failed(_) => EitherOf5::D(view! {
                    <button class="button-quiet small" on:click=move |_| queue.retry(id) aria-label=format!("Retry {name}")>"Retry"</button>
                }),
                ItemState::Done(_) | ItemState::Cancelled => EitherOf5::E(()),
            }
        }
    };
    let finished_class = {
        let state = state.clone();
        move || match state.get() {
            ItemState::Done(_) => "queue-item done",
            ItemState::Failed(_) => "queue-item failed",
            _ => "queue-item",
        }
    };
    view! {
        <li class=finished_class data-file=name.clone()>
            <p class="queue-name"><span class="filename">{name.clone()}</span>" → "{item.title.clone()}</p>
            <progress max=size.max(1) as f64 value=move || stored.get() as f64 aria-label=format!("Upload of {name}")></progress>
            <p class="queue-line" aria-live="polite">{line}</p>
            <div class="queue-buttons">{buttons}</div>
        </li>
    }
}
