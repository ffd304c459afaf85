//! `/libraries`: the user's libraries with what each holds; owners rename and remove theirs.

use crate::api::libraries::{RemoveLibrary, RenameLibrary, SwitchLibrary, get_library_overview};
use crate::components::forms::{ErrorMessage, error_text, follow_on_success};
use crate::components::session::RequireUser;
use domain::api::{LibraryOverview, RemovedLibrary};
use domain::format::size;
use domain::role::Need;
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn LibrariesPage() -> impl IntoView {
    view! {
        <Title text="Libraries" />
        <RequireUser render=|_me| view! { <Libraries /> } />
    }
}

#[component]
fn Libraries() -> impl IntoView {
    let remove = ServerAction::<RemoveLibrary>::new();
    let list = Resource::new(move || remove.version().get(), |_| get_library_overview());
    let error = Signal::derive(move || error_text(remove.value().get()));
    let removed = move || {
        remove.value().get().and_then(Result::ok).map(|r| {
            view! {
                <p class="saved" role="status">{removed_words(&r)}</p>
            }
        })
    };
    view! {
        <section class="libraries">
            <h1>"Libraries"</h1>
            <ErrorMessage message=error />
            {removed}
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(all) if all.is_empty() => EitherOf3::A(view! {
                            <p>"You have no library yet. " <A href="/setup">"Create one"</A> " to upload movies."</p>
                        }),
                        Ok(all) => EitherOf3::B(view! {
                            <ul class="library-list">
                                {all.into_iter().map(|l| view! { <LibraryCard overview=l remove /> }).collect_view()}
                            </ul>
                        }),
                        Err(e) => EitherOf3::C(view! { <p class="form-error" role="alert">{e.message}</p> }),
                    }
                })}
            </Transition>
            <p><A href="/setup" attr:class="button-quiet">"New library"</A></p>
        </section>
    }
}

fn removed_words(removed: &RemovedLibrary) -> String {
    let r = &removed.library;
    if removed.files_deleted {
        format!(
            "“{}” was removed and its {} movie files ({}) were deleted.",
            r.name,
            r.files,
            size(r.bytes)
        )
    } else {
        format!(
            "“{}” was removed. Its {} movie files ({}) are still in {}.",
            r.name,
            r.files,
            size(r.bytes),
            r.path
        )
    }
}

fn holds(o: &LibraryOverview) -> String {
    let people = match o.members {
        1 => "only you".to_owned(),
        n => format!("{n} people"),
    };
    format!(
        "{} movies · {} files · {} · shared with {people}",
        o.movies,
        o.files,
        size(o.bytes)
    )
}

#[component]
fn LibraryCard(overview: LibraryOverview, remove: ServerAction<RemoveLibrary>) -> impl IntoView {
    let lib = overview.library.clone();
    let id = lib.id;
    let owner = Need::Own.met_by(lib.role);
    let show = ServerAction::<SwitchLibrary>::new();
    follow_on_success(show);
    view! {
        <li class="card library-card" data-library=id>
            <h2>{lib.name.clone()}</h2>
            <p class="hint">{holds(&overview)}</p>
            <p class="hint">"Folder: "<code>{lib.path.clone()}</code>" · your role: "{lib.role.as_str()}</p>
            {if owner {
                Either::Left(view! {
                    <Rename id name=lib.name.clone() />
                    <Remove overview=overview.clone() remove />
                })
            } else {
                Either::Right(view! { <p class="hint">"Only its owner can rename or remove it."</p> })
            }}
            <ActionForm action=show>
                <input type="hidden" name="library" value=id.to_string() />
                <button type="submit" class="button-quiet small">"Show its movies"</button>
            </ActionForm>
            <p><a href=format!("/categories?library={id}")>{if Need::Manage.met_by(lib.role) { "Categories (home-page rows)" } else { "Its categories" }}</a></p>
        </li>
    }
}

#[component]
fn Rename(id: i32, name: String) -> impl IntoView {
    let rename = ServerAction::<RenameLibrary>::new();
    follow_on_success(rename);
    let error = Signal::derive(move || error_text(rename.value().get()));
    let input_id = format!("rename-{id}");
    view! {
        <ActionForm action=rename attr:class="rename-form">
            <input type="hidden" name="library" value=id.to_string() />
            <label for=input_id.clone()>"Name"</label>
            <input id=input_id type="text" name="name" value=name maxlength=domain::library::NAME_MAX required />
            <button type="submit" class="button-quiet small" disabled=move || rename.pending().get()>"Rename"</button>
            <ErrorMessage message=error />
        </ActionForm>
    }
}

/// Removing asks first, and the question says what happens to the files either way.
#[component]
fn Remove(overview: LibraryOverview, remove: ServerAction<RemoveLibrary>) -> impl IntoView {
    let lib = overview.library.clone();
    let (asking, set_asking) = signal(false);
    let (delete_files, set_delete_files) = signal(false);
    let id = lib.id;
    let files_id = format!("delete-files-{id}");
    let others = overview.members.saturating_sub(1);
    let consequence = move || {
        let access = if others > 0 {
            format!(" The {others} other people who share it lose access.")
        } else {
            String::new()
        };
        if delete_files.get() {
            format!(
                "The {} movie files ({}) will be deleted from {} for good.{access}",
                overview.files,
                size(overview.bytes),
                lib.path
            )
        } else {
            format!(
                "The {} movie files ({}) stay on disk in {}; only the library goes.{access}",
                overview.files,
                size(overview.bytes),
                lib.path
            )
        }
    };
    view! {
        {move || if asking.get() {
            let files_id = files_id.clone();
            Either::Left(view! {
                <div class="confirm" role="alertdialog" aria-label="Remove this library?">
                    <p><strong>"Remove this library?"</strong></p>
                    <div class="field checkbox">
                        <input id=files_id.clone() type="checkbox"
                            on:change=move |ev| set_delete_files.set(event_target_checked(&ev)) />
                        <label for=files_id>"Also delete the movie files"</label>
                    </div>
                    <p class="consequence">{consequence.clone()}</p>
                    <button class="button-danger" on:click=move |_| {
                        let files = if delete_files.get_untracked() { "delete" } else { "keep" };
                        remove.dispatch(RemoveLibrary { library: id, files: files.to_owned() });
                        set_asking.set(false);
                    }>"Remove library"</button>
                    " "
                    <button class="button-quiet" on:click=move |_| set_asking.set(false)>"Cancel"</button>
                </div>
            })
        } else {
            Either::Right(view! {
                <button class="button-quiet small" on:click=move |_| set_asking.set(true)>"Remove…"</button>
            })
        }}
    }
}
