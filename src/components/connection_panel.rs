//! Where requests go: endpoint, deployment, api-version and key.

use easel_contract::endpoint::{Auth, Connection, ConnectionError, ConnectionField, Target};
use leptos::prelude::*;

use crate::components::field::{invalid, problem_id, FormField};

/// The connection's fields, each with its own problem shown beside it.
#[component]
pub fn ConnectionPanel(
    /// The connection being edited.
    connection: RwSignal<Connection>,
    /// The connection checked: where calls go, or its problems.
    #[prop(into)]
    target: Signal<Result<Target, Vec<ConnectionError>>>,
    /// Whether to show problems yet.
    #[prop(into)]
    show_problems: Signal<bool>,
) -> impl IntoView {
    let problem = move |field: ConnectionField| {
        Signal::derive(move || {
            show_problems.get().then(|| {
                target
                    .with(|target| target.as_ref().err()?.iter().find(|p| p.field() == field).map(ToString::to_string))
            })?
        })
    };

    view! {
        <fieldset class="panel connection">
            <legend>"Connection"</legend>
            <p class="hint">
                "Set to Easel's built-in local endpoint, which needs no Azure account. "
                "For Azure, enter your resource's endpoint, deployment name and key."
            </p>
            <ConnectionInput id="endpoint" label="Endpoint" kind="url" connection
                read=|c| &c.endpoint write=|c, text| c.endpoint = text problem=problem(ConnectionField::Endpoint) />
            <ConnectionInput id="deployment" label="Deployment" kind="text" connection
                read=|c| &c.deployment write=|c, text| c.deployment = text problem=problem(ConnectionField::Deployment) />
            <ConnectionInput id="api-version" label="API version" kind="text" connection
                read=|c| &c.api_version write=|c, text| c.api_version = text problem=problem(ConnectionField::ApiVersion) />
            <ConnectionInput id="api-key" label="Key" kind="password" connection
                read=|c| match &c.auth { Auth::ApiKey(key) => key.as_str(), _ => "" }
                write=|c, key| c.auth = Auth::ApiKey(key)
                problem=problem(ConnectionField::Credential) />
        </fieldset>
    }
}

/// One labelled text field of the connection.
#[component]
fn ConnectionInput(
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    connection: RwSignal<Connection>,
    read: fn(&Connection) -> &str,
    write: fn(&mut Connection, String),
    problem: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <FormField id label problem>
            <input
                id=id
                type=kind
                autocomplete="off"
                spellcheck="false"
                prop:value=move || connection.with(|c| read(c).to_owned())
                on:input:target=move |event| connection.update(|c| write(c, event.target().value()))
                aria-invalid=invalid(problem)
                aria-describedby=problem_id(id)
            />
        </FormField>
    }
}
