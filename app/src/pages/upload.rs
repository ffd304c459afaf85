use crate::components::session::RequireUser;
use domain::api::Me;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// Where movies are added to a library.
#[component]
pub fn UploadPage() -> impl IntoView {
    let query = use_query_map();
    view! {
        <Title text="Upload movies" />
        <RequireUser render=move |me: Me| {
            let wanted = query.read_untracked().get("library").and_then(|id| id.parse::<i32>().ok());
            let library = wanted
                .and_then(|id| me.libraries.iter().find(|l| l.id == id).cloned())
                .or_else(|| me.active_library().cloned());
            match library {
                None => Either::Left(view! { <Redirect path="/setup" /> }),
                Some(lib) => Either::Right(view! {
                    <section class="card">
                        <h1>"Upload movies"</h1>
                        <p class="library-line">{format!("Library: {}", lib.name)}</p>
                        <p class="hint">"Files are stored in " <code>{lib.path}</code> "."</p>
                        <p class="notice" role="note">
                            "Uploading from the browser is not available yet in this version of Open OTT."
                        </p>
                    </section>
                }),
            }
        } />
    }
}
