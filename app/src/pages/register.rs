use crate::api::auth::{Register, get_sign_up};
use crate::components::forms::{ErrorMessage, error_text, follow_on_success};
use crate::components::session::RedirectIfLoggedIn;
use domain::account::{PASSWORD_MIN, USERNAME_MAX, USERNAME_MIN};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let register = ServerAction::<Register>::new();
    let query = use_query_map();
    let next = move || query.read().get("next");
    follow_on_success(register);
    let error = Signal::derive(move || error_text(register.value().get()));
    let sign_up = Resource::new(|| (), |_| get_sign_up());
    // An invite link admits its visitor even while registration is closed.
    let invited = move || next().is_some_and(|n| n.starts_with("/join/"));

    view! {
        <Title text="Create your account" />
        <RedirectIfLoggedIn />
        <section class="card narrow">
            <h1>"Create your account"</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    match sign_up.await {
                        Ok(s) if s.first => Some(view! {
                            <p class="notice" role="status">
                                "You are the first: this account will be the server's administrator, who chooses its settings and who else may join."
                            </p>
                        }.into_any()),
                        Ok(s) if !s.open && !invited() => Some(view! {
                            <p class="notice" role="status">
                                "Registration is closed on this server. Ask someone who uses it for an invite link."
                            </p>
                        }.into_any()),
                        _ => None,
                    }
                })}
            </Suspense>
            <ActionForm action=register>
                // Back to where the visitor came from (an invite link), after logging in.
                {move || next().map(|n| view! { <input type="hidden" name="next" value=n /> })}
                <div class="field">
                    <label for="register-username">"Username"</label>
                    <input
                        id="register-username"
                        name="username"
                        type="text"
                        autocomplete="username"
                        autocapitalize="none"
                        minlength=USERNAME_MIN
                        maxlength=USERNAME_MAX
                        aria-describedby="register-username-hint"
                        required
                        autofocus
                    />
                    <p class="hint" id="register-username-hint">
                        "Letters, digits, '.', '_' and '-'."
                    </p>
                </div>
                <div class="field">
                    <label for="register-password">"Password"</label>
                    <input
                        id="register-password"
                        name="password"
                        type="password"
                        autocomplete="new-password"
                        minlength=PASSWORD_MIN
                        aria-describedby="register-password-hint"
                        required
                    />
                    <p class="hint" id="register-password-hint">
                        {format!("At least {PASSWORD_MIN} characters.")}
                    </p>
                </div>
                <ErrorMessage message=error />
                <button
                    type="submit"
                    class="button-primary"
                    disabled=move || register.pending().get()
                >
                    "Create account"
                </button>
            </ActionForm>
            <p class="aside">"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
}
