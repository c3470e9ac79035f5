//! "Show as code": the form's exact request as curl and as Python, the key left out.

use easel_contract::endpoint::Connection;
use leptos::prelude::*;

use crate::show_as_code::{curl, python};
use crate::studio_form::StudioForm;

/// A disclosure with the request the form would send, for scripts and for bug reports.
#[component]
pub fn ShowAsCode(
    /// What the user has chosen.
    #[prop(into)]
    form: Signal<StudioForm>,
    /// Where requests go.
    #[prop(into)]
    connection: Signal<Connection>,
) -> impl IntoView {
    let code = Memo::new(move |_| {
        let target = connection.with(Connection::target).ok()?;
        let plan = form.with(StudioForm::plan).ok()?;
        let request = plan.requests.first()?;
        Some((curl(&target, request), python(&target, request), plan.requests.len()))
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
