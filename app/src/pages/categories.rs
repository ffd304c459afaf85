//! `/categories`: a library's own home-page rows. Owners and managers make them (by rule or
//! picked by hand), change and remove them; other members see what there is.
//! `?library=ID` picks the library; the active one otherwise.

use crate::api::categories::{DeleteCategory, MoveCategory, SaveCategory, get_categories};
use crate::components::forms::{ErrorMessage, error_text, follow_on_success};
use crate::components::session::RequireUser;
use domain::api::Me;
use domain::categories::{CategoryInfo, ICON_MAX_BYTES, NAME_MAX_CHARS, row_title};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn CategoriesPage() -> impl IntoView {
    let query = use_query_map();
    view! {
        <Title text="Categories" />
        <RequireUser render=move |me: Me| {
            let wanted = query.read_untracked().get("library").and_then(|v| v.parse::<i32>().ok());
            match wanted.or(me.active_library_id) {
                Some(library) => Either::Left(view! { <Categories library /> }),
                None => Either::Right(view! {
                    <section class="card narrow">
                        <h1>"Categories"</h1>
                        <p>"You have no library yet. " <a href="/setup">"Create one"</a> " first."</p>
                    </section>
                }),
            }
        } />
    }
}

#[component]
fn Categories(library: i32) -> impl IntoView {
    let page = Resource::new(|| (), move |_| get_categories(library));
    view! {
        <section class="categories">
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(o) => Either::Left(view! {
                            <h1>{format!("Categories of “{}”", o.library_name)}</h1>
                            <p class="hint">"Categories are rows of the home page, shown after “Recently added”, in this order. A category either follows a rule (genres, years, a minimum rating) or holds movies picked by hand on their pages."</p>
                            {let count = o.categories.len();
                            if o.categories.is_empty() {
                                Either::Left(view! { <p class="hint">"This library has no categories yet."</p> })
                            } else {
                                Either::Right(view! {
                                    <ul class="category-list">
                                        {o.categories.iter().cloned().enumerate().map(|(i, c)| view! {
                                            <CategoryCard category=c library can_manage=o.can_manage genres=o.genres.clone()
                                                first=i == 0 last=i + 1 == count />
                                        }).collect_view()}
                                    </ul>
                                })
                            }}
                            {if o.can_manage {
                                Either::Left(view! {
                                    <section class="card">
                                        <h2>"New category"</h2>
                                        <CategoryForm library genres=o.genres.clone() existing=None />
                                    </section>
                                })
                            } else {
                                Either::Right(view! { <p class="hint">"Only the library's owner and managers can make or change categories."</p> })
                            }}
                        }),
                        Err(e) => Either::Right(view! { <p class="form-error" role="alert">{e.message}</p> }),
                    }
                })}
            </Transition>
        </section>
    }
}

fn contents(c: &CategoryInfo) -> String {
    let shows = match c.count {
        0 => "no movies yet".to_owned(),
        1 => "1 movie".to_owned(),
        n => format!("{n} movies"),
    };
    match &c.rule {
        Some(rule) => format!("Rule: {} · {shows}", rule.describe()),
        None => format!("Picked by hand · {shows}"),
    }
}

#[component]
fn CategoryCard(
    category: CategoryInfo,
    library: i32,
    can_manage: bool,
    genres: Vec<String>,
    /// Whether it is the first (or last) row, which cannot move further up (or down).
    first: bool,
    last: bool,
) -> impl IntoView {
    let delete = ServerAction::<DeleteCategory>::new();
    follow_on_success(delete);
    let shift = ServerAction::<MoveCategory>::new();
    follow_on_success(shift);
    let error = Signal::derive(move || {
        error_text(delete.value().get()).or_else(|| error_text(shift.value().get()))
    });
    let (editing, set_editing) = signal(false);
    let id = category.id;
    let title = row_title(&category.name, category.icon.as_deref());
    let (up_label, down_label) = (format!("Move {title} up"), format!("Move {title} down"));
    let question = format!(
        "Remove the category “{}”? Its movies stay in the library.",
        category.name
    );
    let hand_hint = (category.rule.is_none() && can_manage).then(|| {
        view! { <p class="hint">"Add movies with the “In categories” boxes on a movie's page."</p> }
    });
    view! {
        <li class="card category-card" data-category=id>
            <h2>{title.clone()}</h2>
            <p class="hint">{contents(&category)}</p>
            {hand_hint}
            {can_manage.then(|| view! {
                <div class="actions">
                    // Forms, so the order can be changed without JavaScript too.
                    <ActionForm action=shift attr:class="inline-form">
                        <input type="hidden" name="library" value=library />
                        <input type="hidden" name="id" value=id />
                        <button type="submit" name="by" value="-1" class="button-quiet small"
                            aria-label=up_label disabled=move || first || shift.pending().get()>"↑ Up"</button>
                        <button type="submit" name="by" value="1" class="button-quiet small"
                            aria-label=down_label disabled=move || last || shift.pending().get()>"↓ Down"</button>
                    </ActionForm>
                    <button type="button" class="button-quiet small" aria-expanded=move || editing.get().to_string()
                        on:click=move |_| set_editing.update(|e| *e = !*e)>"Edit"</button>
                    <button type="button" class="button-quiet small" aria-label=format!("Remove {title}")
                        disabled=move || delete.pending().get()
                        on:click=move |_| {
                            if window().confirm_with_message(&question).unwrap_or(false) {
                                delete.dispatch(DeleteCategory { library, id });
                            }
                        }>"Remove"</button>
                </div>
                <ErrorMessage message=error />
                <Show when=move || editing.get()>
                    <CategoryForm library genres=genres.clone() existing=Some(category.clone()) />
                </Show>
            })}
        </li>
    }
}

/// Makes a category, or edits `existing`. The genre boxes are gathered into one field.
#[component]
fn CategoryForm(
    library: i32,
    genres: Vec<String>,
    existing: Option<CategoryInfo>,
) -> impl IntoView {
    let save = ServerAction::<SaveCategory>::new();
    follow_on_success(save);
    let error = Signal::derive(move || error_text(save.value().get()));
    let rule = existing.as_ref().and_then(|c| c.rule.clone());
    let by_rule = rule.is_some();
    let chosen = RwSignal::new(rule.as_ref().map(|r| r.genres.clone()).unwrap_or_default());
    let prefix = existing
        .as_ref()
        .map_or("new".to_owned(), |c| c.id.to_string());
    let field = move |name: &str| format!("category-{prefix}-{name}");
    let (name_id, icon_id, from_id, to_id, rating_id) = (
        field("name"),
        field("icon"),
        field("from"),
        field("to"),
        field("rating"),
    );
    let (hand_id, rule_id) = (field("hand"), field("rule"));
    let (hand_for, rule_for) = (hand_id.clone(), rule_id.clone());
    let number = |v: Option<String>| v.unwrap_or_default();
    let year_from = number(
        rule.as_ref()
            .and_then(|r| r.year_from.map(|y| y.to_string())),
    );
    let year_to = number(rule.as_ref().and_then(|r| r.year_to.map(|y| y.to_string())));
    let min_rating = number(
        rule.as_ref()
            .and_then(|r| r.min_rating.map(|y| y.to_string())),
    );
    let name = existing
        .as_ref()
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let icon = existing
        .as_ref()
        .and_then(|c| c.icon.clone())
        .unwrap_or_default();
    let submit = if existing.is_some() {
        "Save"
    } else {
        "Create category"
    };
    let genre_boxes = genres
        .into_iter()
        .map(|g| {
            let id = format!("{}-{}", field("genre"), g.replace(' ', "-"));
            let label_for = id.clone();
            let checked = chosen.with_untracked(|c| c.contains(&g));
            let value = g.clone();
            view! {
                <label for=label_for class="choice">
                    <input id=id type="checkbox" checked=checked on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        chosen.update(|c| {
                            c.retain(|x| *x != value);
                            if on { c.push(value.clone()); }
                        });
                    } />
                    {g}
                </label>
            }
        })
        .collect_view();
    view! {
        <ActionForm action=save attr:class="category-form">
            <input type="hidden" name="library" value=library />
            {existing.as_ref().map(|c| view! { <input type="hidden" name="id" value=c.id /> })}
            <label for=name_id.clone()>"Name"</label>
            <input id=name_id type="text" name="name" value=name required maxlength=NAME_MAX_CHARS placeholder="Halloween" />
            <label for=icon_id.clone()>"Icon (optional)"</label>
            <input id=icon_id type="text" name="icon" value=icon maxlength=ICON_MAX_BYTES placeholder="🎃" class="icon-input" />
            <fieldset>
                <legend>"Movies"</legend>
                <label for=hand_for class="choice">
                    <input id=hand_id type="radio" name="kind" value="hand" checked=!by_rule />
                    "Picked by hand"
                </label>
                <label for=rule_for class="choice">
                    <input id=rule_id type="radio" name="kind" value="rule" checked=by_rule />
                    "By a rule"
                </label>
            </fieldset>
            // Shown only while "By a rule" is chosen, by CSS (:has), so it works before hydration.
            <fieldset class="rule">
                <legend>"Rule: every part you fill in must hold"</legend>
                <input type="hidden" name="genres" value=move || chosen.get().join(",") />
                <p class="hint">"Any of these genres:"</p>
                <div class="genre-boxes">{genre_boxes}</div>
                <label for=from_id.clone()>"From the year"</label>
                <input id=from_id type="number" name="year_from" min="1870" max="2200" value=year_from />
                <label for=to_id.clone()>"To the year"</label>
                <input id=to_id type="number" name="year_to" min="1870" max="2200" value=year_to />
                <label for=rating_id.clone()>"Rated at least (0–10)"</label>
                <input id=rating_id type="number" name="min_rating" min="0" max="10" step="0.1" value=min_rating />
            </fieldset>
            <button type="submit" class="button-primary" disabled=move || save.pending().get()>{submit}</button>
            <ErrorMessage message=error />
        </ActionForm>
    }
}
