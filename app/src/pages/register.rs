use crate::api::auth::Register;
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

    view! {
        <Title text="Create your account" />
        <RedirectIfLoggedIn />
        <section class="card narrow">
            <h1>"Create your account"</h1>
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
