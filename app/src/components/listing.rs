//! A list loaded by a resource: "Loading…", a line when it is empty, the error, or the list.

use crate::error::AppError;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

#[component]
pub fn Listing<T, F, V>(
    items: Resource<Result<Vec<T>, AppError>>,
    /// Shown when the list is empty.
    empty: &'static str,
    render: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(Vec<T>) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match items.await {
                        Ok(list) if list.is_empty() => EitherOf3::A(view! { <p class="hint">{empty}</p> }),
                        Ok(list) => EitherOf3::B(render(list)),
                        Err(e) => EitherOf3::C(view! { <p class="form-error" role="alert">{e.message}</p> }),
                    }
                })
            }}
        </Transition>
    }
}
