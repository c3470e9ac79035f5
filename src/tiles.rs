//! The grid's contents: one tile per image asked for, from the moment it is asked for.

use easel_contract::failure::Failure;

use crate::image_api::Generated;

/// Where one asked-for image stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TileState {
    /// The request is on its way.
    Running,
    /// The image arrived.
    Done(Generated),
    /// No image: why, in plain words.
    Failed(Failure),
}

/// One image asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    /// Stable for the tile's life; the grid keys on it.
    pub id: u64,
    /// The prompt as the user wrote it.
    pub prompt: String,
    /// Where it stands.
    pub state: TileState,
}

/// Every tile, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tiles {
    list: Vec<Tile>,
    next_id: u64,
}

impl Tiles {
    /// The tiles, newest first.
    pub fn list(&self) -> &[Tile] {
        &self.list
    }

    /// How many requests are still on their way.
    pub fn running(&self) -> usize {
        self.list.iter().filter(|tile| tile.state == TileState::Running).count()
    }

    /// Adds a running tile for `prompt` and returns its id.
    pub fn start(&mut self, prompt: &str) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.list.insert(0, Tile { id, prompt: prompt.to_owned(), state: TileState::Running });
        id
    }

    /// Settles tile `id` with what the request gave. An answer with several images puts the
    /// extra ones in tiles of their own beside it.
    pub fn finish(&mut self, id: u64, outcome: Result<Vec<Generated>, Failure>) {
        let Some(index) = self.list.iter().position(|tile| tile.id == id) else {
            return;
        };
        let states: Vec<TileState> = match outcome {
            Ok(images) => images.into_iter().map(TileState::Done).collect(),
            Err(failure) => vec![TileState::Failed(failure)],
        };
        let prompt = self.list[index].prompt.clone();
        let mut states = states.into_iter();
        // An answer always has one image at least (`ImagesResponse::read`).
        let Some(first) = states.next() else { return };
        self.list[index].state = first;
        for (offset, state) in states.enumerate() {
            let id = self.next_id;
            self.next_id += 1;
            self.list.insert(index + 1 + offset, Tile { id, prompt: prompt.clone(), state });
        }
    }
}
