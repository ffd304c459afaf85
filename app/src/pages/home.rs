use crate::api::libraries::get_home_summary;
use crate::components::session::RequireUser;
use leptos::either::EitherOf4;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// Home: the active library. A user without a library is sent to set one up, and an empty
/// library straight to the upload page.
#[component]
pub fn HomePage() -> impl IntoView {
    // Blocking, so those redirects are real HTTP redirects on the first load.
    let summary = Resource::new_blocking(|| (), |_| get_home_summary());
    view! {
        <Title text="" />
        <RequireUser render=move |_| {
            view! {
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match summary.await {
                            Ok(None) => EitherOf4::A(view! { <Redirect path="/setup" /> }),
                            Ok(Some(s)) if s.file_count == 0 => {
                                EitherOf4::B(view! { <Redirect path="/upload" /> })
                            }
                            Ok(Some(s)) => EitherOf4::C(view! {
                                <section class="card">
                                    <h1>{s.library.name}</h1>
                                    <p>{format!("{} movie files.", s.file_count)}</p>
                                </section>
                            }),
                            Err(e) => EitherOf4::D(view! { <p class="form-error" role="alert">{e.message}</p> }),
                        }
                    })}
                </Suspense>
            }
        } />
    }
}
