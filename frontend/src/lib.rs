//! The browser entry point: hydrates the server-rendered page with the `app` crate.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // A flag end-to-end tests wait for before they interact with the page.
    let _ = js_sys::Reflect::set(
        &leptos::prelude::window(),
        &"__ott_hydrated".into(),
        &true.into(),
    );
}
