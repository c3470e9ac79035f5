//! "Show as code": the form's exact request as curl and as Python, the key left out.

use easel_contract::endpoint::{ConnectionError, Target};
use easel_contract::request::{Plan, RequestError};
use leptos::prelude::*;

use crate::state::show_as_code::{curl, python};

/// A disclosure with the request the form would send, for scripts and for bug reports.
#[component]
pub fn ShowAsCode(
    /// The requests the form makes, or its problems.
    #[prop(into)]
    plan: Signal<Result<Plan, Vec<RequestError>>>,
    /// Where requests go, or the connection's problems.
    #[prop(into)]
    target: Signal<Result<Target, Vec<ConnectionError>>>,
) -> impl IntoView {
    let code = Memo::new(move |_| {
        target.with(|target| {
            plan.with(|plan| {
                let (target, plan) = (target.as_ref().ok()?, plan.as_ref().ok()?);
                let request = plan.requests.first()?;
                Some((curl(target, request), python(target, request), plan.requests.len()))
            })
        })
    });

    view! {
        <details class="panel show-as-code">
            <summary>"Show as code"</summary>
            {move || match code.get() {
                Some((curl, python, requests)) => view! {
                    <p class="hint">
                        "The exact request, the key read from the environment ($AZURE_OPENAI_API_KEY)."
                        {(requests > 1).then(|| format!(" Easel sends it {requests} times: the model makes one image per request."))}
                    </p>
                    <h3>"curl"</h3>
                    <pre><code>{curl}</code></pre>
                    <h3>"Python (openai)"</h3>
                    <pre><code>{python}</code></pre>
                }
                .into_any(),
                None => view! { <p class="hint">"Write a prompt and fill in the connection to see the request."</p> }.into_any(),
            }}
        </details>
    }
}
