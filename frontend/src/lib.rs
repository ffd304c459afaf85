//! The browser entry point: hydrates the server-rendered page with the `app` crate.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    // Debug builds print a panic's message and stack to the console. Release builds leave
    // it out: the nightly release bundle aborts without formatting a message at all
    // (scripts/setup.sh), and the hook's formatting code would weigh on every first visit.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // Asynchronous hydration: a page split out of the main bundle (`app::routes`) is fetched
    // before its server-rendered HTML is hydrated.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body, app::App)
            .await
            .forget();
        // A flag end-to-end tests wait for before they interact with the page.
        let _ = js_sys::Reflect::set(
            &leptos::prelude::window(),
            &"__ott_hydrated".into(),
            &true.into(),
        );
    });
}
