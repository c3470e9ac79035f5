//! The results: a tile per image asked for, running, done or failed.

use leptos::prelude::*;

use crate::image_api::Generated;
use crate::tiles::{Tile, TileState, Tiles};

/// The grid of tiles, newest first, with a status line screen readers announce.
#[component]
pub fn ResultGrid(
    /// The tiles to show.
    #[prop(into)]
    tiles: Signal<Tiles>,
) -> impl IntoView {
    let status = move || {
        tiles.with(|tiles| match (tiles.running(), tiles.list().len()) {
            (0, 0) => String::new(),
            (0, 1) => "1 result.".to_owned(),
            (0, total) => format!("{total} results."),
            (1, _) => "Generating 1 image…".to_owned(),
            (running, _) => format!("Generating {running} images…"),
        })
    };

    view! {
        <section class="results" aria-labelledby="results-heading">
            <h2 id="results-heading" class="visually-hidden">"Results"</h2>
            <p class="status" role="status" aria-live="polite">{status}</p>
            <Show when=move || tiles.with(|tiles| tiles.list().is_empty())>
                <p class="empty">"Your images will appear here. Write a prompt and press Generate."</p>
            </Show>
            <ul class="grid">
                // Keyed by state as well as id, so a tile is drawn anew when it settles.
                <For
                    each=move || tiles.with(|tiles| tiles.list().to_vec())
                    key=|tile| (tile.id, std::mem::discriminant(&tile.state))
                    let:tile
                >
                    <li>{tile_view(tile)}</li>
                </For>
            </ul>
        </section>
    }
}

fn tile_view(Tile { prompt, state, .. }: Tile) -> AnyView {
    match state {
        TileState::Running => view! {
            <figure class="tile running" aria-busy="true">
                <div class="placeholder"><span class="spinner" aria-hidden="true"></span>"Generating…"</div>
                <figcaption><span class="label">"Prompt"</span>{prompt}</figcaption>
            </figure>
        }
        .into_any(),
        TileState::Done(Generated { picture, revised_prompt }) => view! {
            <figure class="tile done">
                <img src=picture.src().to_owned() alt=prompt.clone() />
                <figcaption>
                    <span class="label">"Revised prompt"</span>
                    <span class="revised-prompt">{revised_prompt.unwrap_or_else(|| prompt.clone())}</span>
                </figcaption>
            </figure>
        }
        .into_any(),
        TileState::Failed(failure) => view! {
            <figure class="tile failed">
                <div class="failure" role="alert">
                    <p class="what">{failure.message()}</p>
                    <p class="next">{failure.next_step()}</p>
                </div>
                <figcaption><span class="label">"Prompt"</span>{prompt}</figcaption>
            </figure>
        }
        .into_any(),
    }
}
