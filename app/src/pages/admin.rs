use crate::api::admin::{SaveServerSettings, get_server_settings};
use crate::components::forms::{ErrorMessage, error_text};
use crate::components::session::RequireUser;
use domain::api::Me;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

/// Server-wide settings, for the administrator.
#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <Title text="Server settings" />
        <RequireUser render=|me: Me| {
            if me.user.is_admin {
                Either::Left(view! { <SettingsForm /> })
            } else {
                Either::Right(view! {
                    <section class="card narrow">
                        <h1>"Server settings"</h1>
                        <p role="alert">"Only the administrator can change server settings."</p>
                    </section>
                })
            }
        } />
    }
}

#[component]
fn SettingsForm() -> impl IntoView {
    let save = ServerAction::<SaveServerSettings>::new();
    let settings = Resource::new(move || save.version().get(), |_| get_server_settings());
    let error = Signal::derive(move || error_text(save.value().get()));
    let saved = move || matches!(save.value().get(), Some(Ok(())));

    view! {
        <section class="card narrow">
            <h1>"Server settings"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let open = settings.await.map(|s| s.open_registration).unwrap_or(false);
                    view! {
                        <ActionForm action=save>
                            <div class="field checkbox">
                                <input
                                    id="open-registration"
                                    name="open_registration"
                                    type="checkbox"
                                    value="on"
                                    checked=open
                                />
                                <label for="open-registration">"Allow new people to register"</label>
                            </div>
                            <p class="hint">
                                "When this is off (as on a new server), people get an account only through an invite link to a library, or from you with the ott command on the server."
                            </p>
                            <ErrorMessage message=error />
                            <button type="submit" class="button-primary">"Save"</button>
                            {move || saved().then(|| view! { <p role="status" class="saved">"Saved."</p> })}
                        </ActionForm>
                    }
                })}
            </Suspense>
        </section>
    }
}
