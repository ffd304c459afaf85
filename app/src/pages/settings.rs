//! `/settings`: the user's preferences, password, logged-in devices and API tokens.

use crate::api::settings::{
    ChangePassword, CreateApiToken, RevokeApiToken, RevokeSession, SavePreferences, get_api_tokens,
    get_sessions,
};
use crate::components::copy::CopyField;
use crate::components::forms::{ErrorMessage, error_text, follow_on_success};
use crate::components::listing::Listing;
use crate::components::session::RequireUser;
use domain::api::{Me, TokenInfo};
use domain::format::timestamp;
use domain::settings::{SessionInfo, Theme, UPLOADS_MAX, UPLOADS_MIN};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings" />
        <RequireUser render=|me: Me| view! {
            <div class="settings">
                <h1>"Settings"</h1>
                <Preferences me=me.clone() />
                <Password />
                <Sessions />
                <Tokens />
                <p class="hint">
                    <A href="/libraries">"Your libraries"</A>
                    ": rename or remove them, or create another."
                </p>
            </div>
        } />
    }
}

#[component]
fn Preferences(me: Me) -> impl IntoView {
    let save = ServerAction::<SavePreferences>::new();
    follow_on_success(save);
    let error = Signal::derive(move || error_text(save.value().get()));
    let saved = use_query_map().read_untracked().get("saved").is_some();
    let prefs = me.preferences.clone();
    let active = me.active_library_id;

    view! {
        <section class="card" aria-labelledby="prefs-title">
            <h2 id="prefs-title">"Appearance and playback"</h2>
            <ActionForm action=save attr:class="settings-form">
                <fieldset class="field">
                    <legend>"Theme"</legend>
                    {Theme::ALL.into_iter().map(|t| {
                        let id = format!("theme-{}", t.as_str());
                        let for_id = id.clone();
                        view! {
                            <label class="choice" for=for_id>
                                <input type="radio" id=id name="theme" value=t.as_str() checked=prefs.theme == t />
                                {t.label()}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                {(me.libraries.len() > 1).then(|| view! {
                    <div class="field">
                        <label for="default-library">"Library to show"</label>
                        <select id="default-library" name="default_library">
                            {me.libraries.iter().map(|l| view! {
                                <option value=l.id.to_string() selected=Some(l.id) == active>{l.name.clone()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                })}
                <div class="field">
                    <label for="uploads">"Files uploaded at once"</label>
                    <select id="uploads" name="simultaneous_uploads" aria-describedby="uploads-hint">
                        {(UPLOADS_MIN..=UPLOADS_MAX).map(|n| view! {
                            <option value=n.to_string() selected=n == prefs.simultaneous_uploads>{n}</option>
                        }).collect_view()}
                    </select>
                    <p class="hint" id="uploads-hint">"More is faster on a fast network; fewer finishes each file sooner."</p>
                </div>
                <div class="field">
                    <label for="subtitle-language">"Subtitles"</label>
                    <select id="subtitle-language" name="subtitle_language">
                        <option value="" selected=prefs.subtitle_language.is_none()>"Off"</option>
                        {domain::languages::choices().into_iter().map(|(code, name)| view! {
                            <option value=code selected=prefs.subtitle_language.as_deref() == Some(code)>{name}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field checkbox">
                    <input id="autoplay" type="checkbox" name="autoplay_next" value="on" checked=prefs.autoplay_next />
                    <label for="autoplay">"Play the next part of a collection when a movie ends"</label>
                </div>
                <ErrorMessage message=error />
                {saved.then(|| view! { <p class="saved" role="status">"Saved."</p> })}
                <button type="submit" class="button-primary" disabled=move || save.pending().get()>"Save"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Password() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || error_text(change.value().get()));
    let done = move || {
        change.value().get().and_then(Result::ok).map(|changed| {
            let others = match changed.sessions_ended {
                0 => "No other device was logged in.".to_owned(),
                1 => "1 other device was logged out.".to_owned(),
                n => format!("{n} other devices were logged out."),
            };
            let tokens = match changed.tokens_revoked {
                0 => String::new(),
                1 => " 1 API token was revoked.".to_owned(),
                n => format!(" {n} API tokens were revoked."),
            };
            view! { <p class="saved" role="status">{format!("Password changed. {others}{tokens}")}</p> }
        })
    };
    view! {
        <section class="card" aria-labelledby="password-title">
            <h2 id="password-title">"Password"</h2>
            <ActionForm action=change attr:class="settings-form">
                <div class="field">
                    <label for="current-password">"Current password"</label>
                    <input id="current-password" name="current_password" type="password" autocomplete="current-password" required />
                </div>
                <div class="field">
                    <label for="new-password">"New password"</label>
                    <input id="new-password" name="new_password" type="password" autocomplete="new-password"
                        minlength=domain::account::PASSWORD_MIN required />
                </div>
                <div class="field">
                    <label for="repeat-password">"New password again"</label>
                    <input id="repeat-password" name="repeat_password" type="password" autocomplete="new-password" required />
                </div>
                <div class="field checkbox">
                    <input id="revoke-tokens" type="checkbox" name="revoke_tokens" value="on" aria-describedby="revoke-tokens-hint" />
                    <label for="revoke-tokens">"Also revoke all API tokens"</label>
                </div>
                <p class="hint" id="revoke-tokens-hint">
                    "Changing it logs out every other device. API tokens keep working unless you tick the box: do, if someone else may have used your account."
                </p>
                <ErrorMessage message=error />
                {done}
                <button type="submit" class="button-primary" disabled=move || change.pending().get()>"Change password"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Sessions() -> impl IntoView {
    let revoke = ServerAction::<RevokeSession>::new();
    let sessions = Resource::new(move || revoke.version().get(), |_| get_sessions());
    let error = Signal::derive(move || error_text(revoke.value().get()));
    view! {
        <section class="card" aria-labelledby="sessions-title">
            <h2 id="sessions-title">"Logged-in devices"</h2>
            <ErrorMessage message=error />
            <Listing items=sessions empty="None (you are using an API token)." render={move |list: Vec<SessionInfo>| view! {
                <table class="sessions">
                    <thead><tr>
                        <th scope="col">"Device"</th><th scope="col">"Address"</th>
                        <th scope="col">"Last seen (UTC)"</th><th scope="col"><span class="visually-hidden">"Log out"</span></th>
                    </tr></thead>
                    <tbody>
                        {list.into_iter().map(|s| {
                            let id = s.id.clone();
                            let current = s.current;
                            let label = format!("Log out {}", s.device);
                            view! {
                                <tr>
                                    <td>{s.device.clone()}{current.then(|| view! { " " <span class="badge">"this device"</span> })}</td>
                                    <td>{s.ip.clone().unwrap_or_default()}</td>
                                    <td>{timestamp(&s.last_seen_at)}</td>
                                    <td><button class="button-quiet small" aria-label=label on:click=move |_| {
                                        revoke.dispatch(RevokeSession { id: id.clone() });
                                        if current {
                                            // This browser's own session: nothing more works here.
                                            let _ = window().location().set_href("/login");
                                        }
                                    }>"Log out"</button></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }} />
        </section>
    }
}

#[component]
fn Tokens() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| get_api_tokens(),
    );
    let error = Signal::derive(move || {
        error_text(create.value().get()).or_else(|| error_text(revoke.value().get()))
    });
    let secret = move || {
        create.value().get().and_then(Result::ok).map(|made| {
            let label = format!(
                "Token “{}” (shown only now; keep it somewhere safe):",
                made.info.name
            );
            view! { <CopyField id="new-token" label value=made.token /> }
        })
    };
    view! {
        <section class="card" aria-labelledby="tokens-title">
            <h2 id="tokens-title">"API tokens"</h2>
            <p class="hint">"For scripts and the command-line uploader: send a token as "<code>"Authorization: Bearer …"</code>"."</p>
            <ActionForm action=create attr:class="token-form">
                <div class="field">
                    <label for="token-name">"Name"</label>
                    <input id="token-name" name="name" type="text" maxlength="100" placeholder="e.g. NAS uploader" required />
                </div>
                <div class="field">
                    <label for="token-password">"Your password"</label>
                    <input id="token-password" name="password" type="password" autocomplete="current-password" aria-describedby="token-password-hint" required />
                    <p class="hint" id="token-password-hint">"A token works until you revoke it, so it takes your password."</p>
                </div>
                <button type="submit" class="button-primary" disabled=move || create.pending().get()>"Create token"</button>
            </ActionForm>
            <ErrorMessage message=error />
            {secret}
            <Listing items=tokens empty="No tokens." render={move |list: Vec<TokenInfo>| view! {
                <table class="tokens">
                    <thead><tr>
                        <th scope="col">"Name"</th><th scope="col">"Created (UTC)"</th>
                        <th scope="col">"Last used"</th><th scope="col"><span class="visually-hidden">"Revoke"</span></th>
                    </tr></thead>
                    <tbody>
                        {list.into_iter().map(|t| {
                            let token = t.id;
                            let question = format!("Revoke the token “{}”? Scripts using it stop working.", t.name);
                            view! {
                                <tr>
                                    <td>{t.name.clone()}</td>
                                    <td>{timestamp(&t.created_at)}</td>
                                    <td>{t.last_used_at.as_deref().map(timestamp).unwrap_or_else(|| "never".into())}</td>
                                    <td><button class="button-quiet small" aria-label=format!("Revoke {}", t.name) on:click=move |_| {
                                        if window().confirm_with_message(&question).unwrap_or(false) {
                                            revoke.dispatch(RevokeApiToken { id: token });
                                        }
                                    }>"Revoke"</button></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }} />
        </section>
    }
}
