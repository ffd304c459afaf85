//! `/share`: the owner of a library makes invite links, copies them, revokes them, and sees
//! and removes members. `?library=ID` picks the library; the active one otherwise.

use crate::api::invites::{
    CreateInvite, RemoveMember, RevokeInvite, library_invites, library_members,
};
use crate::components::copy::CopyField;
use crate::components::listing::Listing;
use crate::components::session::RequireUser;
use domain::Role;
use domain::api::{InviteInfo, LibraryInfo, Me};
use domain::role::Need;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SharePage() -> impl IntoView {
    let query = use_query_map();
    view! {
        <Title text="Share a library" />
        <RequireUser render=move |me: Me| {
            let wanted = query.read_untracked().get("library").and_then(|v| v.parse::<i32>().ok());
            let id = wanted.or(me.active_library_id);
            let library = me.libraries.iter().find(|l| Some(l.id) == id).cloned();
            match library {
                Some(lib) if Need::Own.met_by(lib.role) => Either::Left(view! { <Share library=lib /> }),
                other => Either::Right(view! {
                    <section class="card narrow">
                        <h1>"Share a library"</h1>
                        <p role="alert">{match other {
                            Some(lib) => format!("Only the owner of “{}” can share it. Ask them for an invite link to give to others.", lib.name),
                            None => "There is no such library among yours.".to_owned(),
                        }}</p>
                    </section>
                }),
            }
        } />
    }
}

fn role_words(role: Role) -> &'static str {
    match role {
        Role::Viewer => "viewer (browses and watches)",
        Role::Uploader => "uploader (also adds movies)",
        Role::Manager => "manager (also edits and deletes)",
        Role::Owner => "owner",
    }
}

fn status(invite: &InviteInfo) -> &'static str {
    if invite.revoked {
        "Revoked"
    } else if invite.usable {
        "Works"
    } else if invite.single_use && invite.uses > 0 {
        "Used"
    } else {
        "Expired"
    }
}

#[component]
fn Share(library: LibraryInfo) -> impl IntoView {
    let id = library.id;
    let create = ServerAction::<CreateInvite>::new();
    let revoke = ServerAction::<RevokeInvite>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let invites = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        move |_| library_invites(id),
    );
    let members = Resource::new(move || remove.version().get(), move |_| library_members(id));
    let (role, set_role) = signal("viewer".to_owned());
    let (hours, set_hours) = signal("168".to_owned());
    let (single, set_single) = signal(false);
    let link = move || {
        create.value().get().and_then(|r| r.ok()).map(|made| {
            let origin = window().location().origin().unwrap_or_default();
            format!("{origin}{}", made.path)
        })
    };
    let error = move || {
        [
            create.value().get().and_then(|r| r.err()),
            revoke.value().get().and_then(|r| r.err()),
            remove.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|e| view! { <p class="form-error" role="alert">{e.message}</p> })
    };

    view! {
        <section class="card share">
            <h1>"Share “" {library.name.clone()} "”"</h1>
            <p class="hint">"Make a link and send it to someone in your household. After logging in (or creating an account) they join this library with the role you choose."</p>
            <form class="invite-form" on:submit=move |ev| {
                ev.prevent_default();
                create.dispatch(CreateInvite {
                    library: id,
                    role: role.get_untracked(),
                    expires_in_hours: hours.get_untracked().parse().ok(),
                    single_use: Some(single.get_untracked()),
                });
            }>
                <div class="field">
                    <label for="invite-role">"They can"</label>
                    <select id="invite-role" on:change=move |ev| set_role.set(event_target_value(&ev))>
                        {[Role::Viewer, Role::Uploader, Role::Manager].into_iter().map(|r| view! {
                            <option value=r.as_str() selected=r == Role::Viewer>{role_words(r)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="invite-expiry">"The link works for"</label>
                    <select id="invite-expiry" on:change=move |ev| set_hours.set(event_target_value(&ev))>
                        <option value="24">"1 day"</option>
                        <option value="168" selected>"7 days"</option>
                        <option value="720">"30 days"</option>
                        <option value="">"until I revoke it"</option>
                    </select>
                </div>
                <div class="field checkbox">
                    <input id="invite-single" type="checkbox" on:change=move |ev| set_single.set(event_target_checked(&ev)) />
                    <label for="invite-single">"Only one person may use it"</label>
                </div>
                <button type="submit" class="button-primary" disabled=move || create.pending().get()>"Create link"</button>
            </form>
            {error}
            {move || link().map(|url| view! {
                <CopyField id="invite-url" label="Send this link (it is shown only now):".to_owned() value=url />
            })}

            <h2>"Links"</h2>
            <Listing items=invites empty="No links yet." render={move |list: Vec<InviteInfo>| view! {
                <table class="invites">
                    <thead><tr><th scope="col">"Role"</th><th scope="col">"For"</th><th scope="col">"Used"</th><th scope="col">"Until"</th><th scope="col">"Status"</th><th scope="col"><span class="visually-hidden">"Revoke"</span></th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|i| {
                            let invite = i.id;
                            view! {
                                <tr>
                                    <td>{i.role.as_str()}</td>
                                    <td>{if i.single_use { "one person" } else { "anyone with it" }}</td>
                                    <td>{i.uses}</td>
                                    <td>{i.expires_at.as_deref().map(domain::format::timestamp).unwrap_or_else(|| "until revoked".into())}</td>
                                    <td>{status(&i)}</td>
                                    <td>{i.usable.then(|| view! {
                                        <button class="button-quiet small" on:click=move |_| { revoke.dispatch(RevokeInvite { library: id, invite }); }>"Revoke"</button>
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }} />

            <h2>"Members"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    members.await.map(|list| view! {
                        <ul class="members">
                            {list.into_iter().map(|m| {
                                let user = m.user_id;
                                let question = format!("Remove {} from this library? They will no longer see its movies.", m.username);
                                let name = m.username.clone();
                                view! {
                                    <li>
                                        <span class="member-name">{m.username.clone()}</span>
                                        " "<span class="member-role">{m.role.as_str()}</span>
                                        {(!Need::Own.met_by(m.role)).then(|| view! {
                                            <button class="button-quiet small" aria-label=format!("Remove {name}") on:click=move |_| {
                                                if window().confirm_with_message(&question).unwrap_or(false) {
                                                    remove.dispatch(RemoveMember { library: id, user });
                                                }
                                            }>"Remove"</button>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    })
                })}
            </Transition>
        </section>
    }
}
