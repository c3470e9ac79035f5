//! The studio: a connection, a prompt with its options, and the grid of results.

use easel_contract::endpoint::{ApiPath, Auth, Connection, Target, DEFAULT_API_VERSION};
use easel_contract::model::DALL_E_3;
use easel_contract::request::ValidRequest;
use leptos::prelude::*;

use crate::components::connection_panel::ConnectionPanel;
use crate::components::prompt_form::PromptForm;
use crate::components::result_grid::ResultGrid;
use crate::image_api;
use crate::studio_form::StudioForm;
use crate::tiles::Tiles;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let connection = RwSignal::new(local_endpoint());
    let form = RwSignal::new(StudioForm::new(&DALL_E_3));
    let tiles = RwSignal::new(Tiles::default());
    // Problems are shown once the user has tried to generate, not while they start typing.
    let show_problems = RwSignal::new(false);

    let generate = Action::new_local(move |(target, request, id): &(Target, ValidRequest, u64)| {
        let (target, request, id) = (target.clone(), request.clone(), *id);
        async move {
            let outcome = image_api::generate(&target, &request).await;
            tiles.update(|tiles| tiles.finish(id, outcome));
        }
    });

    let submit = move || {
        show_problems.set(true);
        let (Ok(target), Ok(plan)) = (connection.with(Connection::target), form.with(StudioForm::plan)) else {
            return;
        };
        for request in plan.requests {
            let id =
                tiles.try_update(|tiles| tiles.start(request.prompt())).expect("the tiles live as long as the app");
            generate.dispatch((target.clone(), request, id));
        }
    };

    view! {
        <header class="masthead">
            <h1>"Easel"</h1>
            <p>"Image generation with Azure OpenAI"</p>
        </header>
        // Results follow the prompt in the page's order, so on a phone they are right below it.
        <main class="studio">
            <PromptForm form show_problems on_generate=submit />
            <ResultGrid tiles />
            <ConnectionPanel connection show_problems />
        </main>
    }
}

/// The companion server that served this page also answers as Azure does, and accepts any key.
fn local_endpoint() -> Connection {
    Connection {
        endpoint: window().location().origin().unwrap_or_default(),
        deployment: DALL_E_3.name.to_owned(),
        api_version: DEFAULT_API_VERSION.to_owned(),
        path: ApiPath::Deployments,
        auth: Auth::ApiKey("local".to_owned()),
    }
}
