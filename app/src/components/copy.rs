//! A secret shown once (an invite link, an API token) with a Copy button.

use leptos::prelude::*;

/// A read-only field holding `value`, selected on focus, with a button that copies it.
#[component]
pub fn CopyField(id: &'static str, label: String, value: String) -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let copy = value.clone();
    view! {
        <div class="invite-link" role="status">
            <label for=id>{label}</label>
            <div class="copy-row">
                <input id=id type="text" readonly value=value
                    on:focus=move |ev| {
                        use wasm_bindgen::JsCast;
                        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            input.select();
                        }
                    } />
                <button type="button" class="button-quiet" on:click=move |_| {
                    let _ = window().navigator().clipboard().write_text(&copy);
                    set_copied.set(true);
                }>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
            </div>
        </div>
    }
}
