//! Pages whose code the browser loads only when it first needs them.
//!
//! `cargo leptos build --split` cuts the WASM bundle at each [`LazyRoute::view`] below: the
//! code only that page uses goes into its own file, fetched when the page is opened (or
//! hydrated after a full load). The home page stays in the main bundle because it is where
//! most visits start. The watch page may be split out since cargo-leptos 0.3.11, whose
//! splitter keeps wasm-bindgen's closure descriptions (`__wbindgen_describe_generic_import`)
//! in the main module; 0.3.0's left them in the chunk and hydration failed. On the server
//! these are plain calls.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// `lazy_page!(Route => Page)`: a route type whose view is the component `Page`, split out of
/// the main bundle.
macro_rules! lazy_page {
    ($($route:ident => $page:path),* $(,)?) => {$(
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    )*};
}

use crate::pages::*;

lazy_page! {
    Login => login::LoginPage,
    Register => register::RegisterPage,
    Setup => setup::SetupPage,
    Movie => movie::MoviePage,
    Watch => watch::WatchPage,
    Upload => upload::UploadPage,
    Admin => admin::AdminPage,
    Search => search::SearchPage,
    Share => share::SharePage,
    Monitor => monitor::MonitorPage,
    Join => join::JoinPage,
    Settings => settings::SettingsPage,
    Categories => categories::CategoriesPage,
    Libraries => libraries::LibrariesPage,
}
