//! Page titles that follow the page's state.

use leptos::text_prop::TextProp;

/// A `<Title>` text that changes with `f` in the browser. The server fills in `<title>` after
/// the page's reactive values may already be gone, so there it is computed once, while the
/// page renders.
pub fn live_title(f: impl Fn() -> String + Send + Sync + 'static) -> TextProp {
    if cfg!(feature = "ssr") {
        TextProp::from(f())
    } else {
        TextProp::from(f)
    }
}
