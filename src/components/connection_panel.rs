//! Where requests go: the connection profiles, each one's endpoint, deployment, api-version and
//! credential, whether its key is remembered, and a test that costs nothing.

use easel_contract::calendar::Date;
use easel_contract::endpoint::{AuthKind, ConnectionError, ConnectionField, Target};
use easel_contract::headers::API_KEY_HEADER;
use easel_contract::probe::Diagnosis;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::browser::api;
use crate::components::field::{invalid, problem_id, FormField};
use crate::state::connections::{Connections, Origin, Profile};
use crate::state::studio::Studio;

/// The profile list and the fields of the profile in use, each with its problem beside it.
#[component]
pub fn ConnectionPanel(
    /// What the user has chosen: the panel writes the profiles (the form follows the model of
    /// the one in use).
    studio: RwSignal<Studio>,
    /// The profile in use, checked: where calls go, or its problems.
    #[prop(into)]
    target: Signal<Result<Target, Vec<ConnectionError>>>,
    /// Whether to show problems yet.
    #[prop(into)]
    show_problems: Signal<bool>,
    /// What was wrong with the server's `config.json`, if anything.
    team_problem: Option<String>,
    /// Today, for the model a new profile starts with.
    today: Date,
) -> impl IntoView {
    let connections = Profiles(studio);
    let problem = move |field: ConnectionField| {
        Signal::derive(move || {
            show_problems.get().then(|| {
                target
                    .with(|target| target.as_ref().err()?.iter().find(|p| p.field() == field).map(ToString::to_string))
            })?
        })
    };
    let current = move |read: fn(&Profile) -> bool| connections.with(|c| read(c.current()));
    let is_mine = move || current(|profile| profile.origin == Origin::Mine);
    let auth_kind = Memo::new(move |_| connections.with(|c| c.current().auth_kind()));
    // What reading a Target URI filled in, said once, until the next edit of the endpoint.
    let pasted = RwSignal::new(None::<String>);
    let read_pasted = move |text: &str| {
        pasted.set(connections.update_current(|profile| profile.paste_endpoint(text)).flatten());
    };
    let name_problem = RwSignal::new(None::<String>);
    // The last test and what it found; shown only while the connection is still the one tested.
    let tested = RwSignal::new(None::<(Target, Option<Diagnosis>)>);
    let test_result = move || {
        tested.with(|tested| {
            let (tested_target, diagnosis) = tested.as_ref()?;
            target.with(|target| target.as_ref().ok() == Some(tested_target)).then(|| match diagnosis {
                None => ("testing", "Testing the connection…".to_owned(), None),
                Some(diagnosis) => {
                    (if diagnosis.is_ready() { "ready" } else { "problem" }, diagnosis.message(), diagnosis.next_step())
                }
            })
        })
    };
    let run_test = move || {
        let Ok(checked) = target.get_untracked() else {
            return;
        };
        tested.set(Some((checked.clone(), None)));
        spawn_local(async move {
            let diagnosis = api::probe(&checked).await;
            tested.update(|tested| {
                if let Some((target, result)) = tested {
                    if *target == checked {
                        *result = Some(diagnosis);
                    }
                }
            });
        });
    };

    view! {
        // A form of its own, so Enter in any field tests the connection.
        <form class="panel connection" novalidate on:submit=move |event| {
            event.prevent_default();
            run_test();
        }>
        <fieldset>
            <legend>"Connection"</legend>
            {team_problem.map(|problem| view! { <p class="problem" role="alert">{problem}</p> })}
            <div class="field">
                <label for="profile">"Use"</label>
                <div class="row">
                    <select id="profile" on:change:target=move |event| {
                        if let Ok(index) = event.target().value().parse() {
                            studio.update(|studio| studio.select_profile(index));
                        }
                    }>
                        {move || {
                            connections.with(|c| {
                                c.list()
                                    .iter()
                                    .enumerate()
                                    .map(|(index, profile)| {
                                        let selected = index == c.selected();
                                        view! { <option value=index selected=selected>{profile.name.clone()}</option> }
                                    })
                                    .collect_view()
                            })
                        }}
                    </select>
                    <button type="button" class="action" on:click=move |_| {
                        studio.update(|studio| studio.add_profile(today));
                    }>"New connection"</button>
                    <Show when=is_mine>
                        <button type="button" class="action" on:click=move |_| {
                            studio.update(|studio| studio.remove_profile(today));
                        }>"Delete connection"</button>
                    </Show>
                </div>
            </div>
            <Show when=is_mine fallback=|| view! {
                <p class="hint">"Your team's connection, from this server. Changes here last until the page is closed."</p>
            }>
                <FormField id="profile-name" label="Name" problem=name_problem.into()>
                    <input
                        id="profile-name"
                        type="text"
                        autocomplete="off"
                        prop:value=move || connections.with(|c| c.current().name.clone())
                        on:input:target=move |event| {
                            let name = event.target().value();
                            let problem = connections.with_untracked(|c| c.rename_problem(&name));
                            if problem.is_none() {
                                connections.update_current(|profile| profile.name = name);
                            }
                            name_problem.set(problem);
                        }
                        aria-invalid=invalid(name_problem.into())
                        aria-describedby=problem_id("profile-name")
                    />
                </FormField>
            </Show>
            <FormField id="endpoint" label="Endpoint" problem=problem(ConnectionField::Endpoint)>
                <input
                    id="endpoint"
                    type="url"
                    autocomplete="off"
                    spellcheck="false"
                    placeholder="https://my-resource.openai.azure.com"
                    prop:value=move || connections.with(|c| c.current().connection.endpoint.clone())
                    // A Target URI is split when pasted or when the field is left, never while typed,
                    // so a URI typed by hand is not cut short at its first recognisable part.
                    on:input:target=move |event| {
                        let text = event.target().value();
                        let input = event.dyn_ref::<web_sys::InputEvent>().map(web_sys::InputEvent::input_type);
                        if input.as_deref() == Some("insertFromPaste") {
                            read_pasted(&text);
                        } else {
                            pasted.set(None);
                            connections.update_current(|profile| profile.connection.endpoint = text);
                        }
                    }
                    on:change:target=move |event| read_pasted(&event.target().value())
                    aria-invalid=invalid(problem(ConnectionField::Endpoint))
                    aria-describedby="endpoint-hint endpoint-problem"
                />
                <p id="endpoint-hint" class="hint" role="status">
                    {move || pasted.get().unwrap_or_else(|| "Or paste the Target URI from Azure AI Foundry: Easel splits it.".to_owned())}
                </p>
            </FormField>
            <ConnectionInput id="deployment" label="Deployment" connections
                read=|p| p.connection.deployment.clone() write=|p, text| p.connection.deployment = text
                problem=problem(ConnectionField::Deployment) />
            <ConnectionInput id="api-version" label="API version" connections
                read=|p| p.connection.api_version.clone() write=|p, text| p.connection.api_version = text
                problem=problem(ConnectionField::ApiVersion) />
            <div class="field">
                <label for="auth-kind">"Sign-in"</label>
                <select id="auth-kind" on:change:target=move |event| {
                    let chosen = event.target().value();
                    if let Some(kind) = AuthKind::ALL.into_iter().find(|kind| kind.as_str() == chosen) {
                        connections.update_current(|profile| profile.set_auth_kind(kind));
                    }
                }>
                    {AuthKind::ALL
                        .into_iter()
                        .map(|kind| view! {
                            <option value=kind.as_str() prop:selected=move || auth_kind.get() == kind>
                                {describe_auth(kind)}
                            </option>
                        })
                        .collect_view()}
                </select>
            </div>
            <Show when=move || auth_kind.get() != AuthKind::None>
                <SecretField connections problem=problem(ConnectionField::Credential)
                    label=Signal::derive(move || if auth_kind.get() == AuthKind::Bearer { "Token" } else { "Key" }) />
            </Show>
            <div class="test">
                <button type="submit" class="action">"Test connection"</button>
                <div class="test-result" role="status" aria-live="polite">
                    {move || test_result().map(|(class, message, next)| view! {
                        <p class=class>{message}</p>
                        {next.map(|next| view! { <p class="next">{next}</p> })}
                    })}
                </div>
            </div>
        </fieldset>
        </form>
    }
}

/// The key or token, with the choice of keeping it on this device and what that means.
#[component]
fn SecretField(connections: Profiles, problem: Signal<Option<String>>, label: Signal<&'static str>) -> impl IntoView {
    let remember = move || connections.with(|c| c.current().remember_key);
    view! {
        <div class="field">
            <label for="secret">{label}</label>
            <input
                id="secret"
                type="password"
                autocomplete="off"
                spellcheck="false"
                prop:value=move || connections.with(|c| c.current().secret().unwrap_or_default().to_owned())
                on:input:target=move |event| {
                    connections.update_current(|profile| profile.set_secret(event.target().value()));
                }
                aria-invalid=invalid(problem)
                aria-describedby="secret-problem secret-keeping"
            />
            <p id=problem_id("secret") class="problem" role="alert">{move || problem.get()}</p>
            <div class="check">
                <input
                    id="remember-key"
                    type="checkbox"
                    prop:checked=remember
                    on:change:target=move |event| {
                        connections.update_current(|profile| profile.remember_key = event.target().checked());
                    }
                    aria-describedby="secret-keeping"
                />
                <label for="remember-key">"Remember on this device"</label>
            </div>
            <p id="secret-keeping" class=move || if remember() { "warning" } else { "hint" }>
                {move || if remember() {
                    "Kept unencrypted in this browser's storage for this site: anyone using this browser profile can \
                     read it. Do not tick this on a shared computer."
                } else {
                    "Kept in memory only: gone when this tab closes. It is sent to this endpoint and nowhere else."
                }}
            </p>
        </div>
    }
}

/// One labelled text field of the profile in use.
#[component]
fn ConnectionInput(
    id: &'static str,
    label: &'static str,
    connections: Profiles,
    read: fn(&Profile) -> String,
    write: fn(&mut Profile, String),
    problem: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <FormField id label problem>
            <input
                id=id
                type="text"
                autocomplete="off"
                spellcheck="false"
                prop:value=move || connections.with(|c| read(c.current()))
                on:input:target=move |event| {
                    connections.update_current(|profile| write(profile, event.target().value()));
                }
                aria-invalid=invalid(problem)
                aria-describedby=problem_id(id)
            />
        </FormField>
    }
}

/// A kind of credential as the form offers it.
fn describe_auth(kind: AuthKind) -> String {
    match kind {
        AuthKind::Key => format!("Key ({API_KEY_HEADER} header)"),
        AuthKind::Bearer => "Microsoft Entra ID token".to_owned(),
        AuthKind::None => "None: a proxy adds it".to_owned(),
    }
}

/// The studio's profiles, read whole and written only through the profile in use: adding,
/// removing and choosing one go through [`Studio`], which keeps the form on its model.
#[derive(Clone, Copy)]
struct Profiles(RwSignal<Studio>);

impl Profiles {
    fn with<T>(self, read: impl FnOnce(&Connections) -> T) -> T {
        self.0.with(|studio| read(studio.connections()))
    }

    fn with_untracked<T>(self, read: impl FnOnce(&Connections) -> T) -> T {
        self.0.with_untracked(|studio| read(studio.connections()))
    }

    fn update_current<T>(self, write: impl FnOnce(&mut Profile) -> T) -> Option<T> {
        self.0.try_update(|studio| write(studio.profile_mut()))
    }
}
