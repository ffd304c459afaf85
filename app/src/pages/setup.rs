use crate::api::libraries::{CreateLibrary, get_library_defaults};
use crate::components::forms::{ErrorMessage, error_text, follow_on_success};
use crate::components::session::RequireUser;
use domain::library::slug;
use leptos::prelude::*;
use leptos_meta::Title;

/// First run: create a library (a name and a folder on the server).
#[component]
pub fn SetupPage() -> impl IntoView {
    view! {
        <Title text="Create your library" />
        <RequireUser render=|_me| view! { <SetupForm /> } />
    }
}

#[component]
fn SetupForm() -> impl IntoView {
    let create = ServerAction::<CreateLibrary>::new();
    follow_on_success(create);
    let error = Signal::derive(move || error_text(create.value().get()));
    let defaults = Resource::new(|| (), |_| get_library_defaults());
    let (name, set_name) = signal("Movies".to_owned());

    view! {
        <section class="card narrow">
            <h1>"Create your library"</h1>
            <p>
                "A library is a folder on this server where your movies are kept. You can share it with your household later."
            </p>
            <ActionForm action=create>
                <div class="field">
                    <label for="library-name">"Library name"</label>
                    <input
                        id="library-name"
                        name="name"
                        type="text"
                        value="Movies"
                        maxlength=domain::library::NAME_MAX
                        required
                        on:input=move |ev| set_name.set(event_target_value(&ev))
                    />
                </div>
                <Suspense fallback=|| {
                    view! { <p class="hint">"Leave the folder empty to use the default folder."</p> }
                }>
                    {move || Suspend::new(async move {
                        let defaults = defaults.await.ok();
                        let root = defaults.as_ref().map(|d| d.libraries_root.clone()).unwrap_or_default();
                        let default_folder = move || format!("{root}/{}", slug(&name.get()));
                        // Only the administrator picks any folder; others may pick one inside
                        // the roots the administrator listed, or get the default.
                        let roots = defaults.as_ref().map(|d| d.roots.clone()).unwrap_or_default();
                        let choose = defaults.as_ref().is_some_and(|d| d.any_folder) || !roots.is_empty();
                        if choose {
                            let inside = (!roots.is_empty()).then(|| {
                                format!(" Other folders must be inside {}.", roots.join(", "))
                            });
                            view! {
                                <div class="field">
                                    <label for="library-path">"Folder on the server"</label>
                                    <input
                                        id="library-path"
                                        name="path"
                                        type="text"
                                        autocapitalize="none"
                                        spellcheck="false"
                                        aria-describedby="library-path-hint"
                                    />
                                    <p class="hint" id="library-path-hint">
                                        "Leave empty to use "
                                        <code>{default_folder}</code>
                                        "."
                                        {inside}
                                    </p>
                                </div>
                            }
                                .into_any()
                        } else {
                            view! {
                                <p class="hint">
                                    "Your movies will be kept in "
                                    <code>{default_folder}</code>
                                    " on the server."
                                </p>
                            }
                                .into_any()
                        }
                    })}
                </Suspense>
                <ErrorMessage message=error />
                <button type="submit" class="button-primary" disabled=move || create.pending().get()>
                    "Create library"
                </button>
            </ActionForm>
        </section>
    }
}
