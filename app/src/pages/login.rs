use crate::api::auth::{Login, get_sign_up};
use crate::components::forms::{ErrorMessage, error_text, follow_on_success};
use crate::components::session::RedirectIfLoggedIn;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next");
    follow_on_success(login);
    let error = Signal::derive(move || error_text(login.value().get()));
    // Whether there is anyone yet, and whether visitors may register.
    let sign_up = Resource::new(|| (), |_| get_sign_up());

    view! {
        <Title text="Log in" />
        <RedirectIfLoggedIn />
        <section class="card narrow">
            <h1>"Log in"</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    sign_up.await.ok().filter(|s| s.first).map(|_| view! {
                        <p class="notice" role="status">
                            "This server has no accounts yet. "
                            <A href="/register">"Create the first account"</A>
                            ": it will be the administrator, who chooses the server's settings and who else may join."
                        </p>
                    })
                })}
            </Suspense>
            <ActionForm action=login>
                // Back to where the visitor came from (an invite link), after logging in.
                {move || next().map(|n| view! { <input type="hidden" name="next" value=n /> })}
                <div class="field">
                    <label for="login-username">"Username"</label>
                    <input
                        id="login-username"
                        name="username"
                        type="text"
                        autocomplete="username"
                        autocapitalize="none"
                        required
                        autofocus
                    />
                </div>
                <div class="field">
                    <label for="login-password">"Password"</label>
                    <input
                        id="login-password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                    />
                </div>
                <ErrorMessage message=error />
                <button type="submit" class="button-primary" disabled=move || login.pending().get()>
                    "Log in"
                </button>
            </ActionForm>
            <Suspense>
                {move || Suspend::new(async move {
                    match sign_up.await {
                        Ok(s) if s.first => None,
                        Ok(s) if !s.open => Some(view! {
                            <p class="aside">
                                "New here? Accounts on this server are made from an invite link: ask someone who uses it for one."
                            </p>
                        }.into_any()),
                        _ => Some(view! {
                            <p class="aside">"New here? " <A href="/register">"Create an account"</A></p>
                        }.into_any()),
                    }
                })}
            </Suspense>
        </section>
    }
}
