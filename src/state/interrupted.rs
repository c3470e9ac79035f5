//! Calls a page was making when it was closed or reloaded: the note each call leaves on the
//! device while it is unfinished, and how a later page lists them, a line per run.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::state::tiles::TileId;

/// A call that was in flight, kept until it settles: what a reload finds here was interrupted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// Unique across page loads: the page's id and the tile's.
    pub key: String,
    /// The page that made the call (0 in notes from before pages had ids: taken as gone).
    #[serde(default)]
    pub page: u64,
    /// The prompt.
    pub prompt: String,
    /// The model.
    pub model: String,
    /// How many images the call asked for.
    pub images: u8,
}

/// Interrupted calls of one prompt and model: what the user asked for as one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterruptedRun {
    /// The prompt.
    pub prompt: String,
    /// The model.
    pub model: String,
    /// Images its calls asked for, in all.
    pub images: u32,
}

impl InterruptedRun {
    /// The run in a line: "3 images of "a fox" (dall-e-3)".
    pub fn line(&self) -> String {
        let images = if self.images == 1 { "1 image".to_owned() } else { format!("{} images", self.images) };
        format!("{images} of \"{}\" ({})", self.prompt, self.model)
    }
}

/// The runs `interrupted` calls belong to, in the order first met: a run's calls are noted one
/// by one, and the user asked for them as one.
pub fn runs(interrupted: &[Pending]) -> Vec<InterruptedRun> {
    let mut runs: Vec<InterruptedRun> = Vec::new();
    for pending in interrupted {
        match runs.iter_mut().find(|run| run.prompt == pending.prompt && run.model == pending.model) {
            Some(run) => run.images += u32::from(pending.images),
            None => runs.push(InterruptedRun {
                prompt: pending.prompt.clone(),
                model: pending.model.clone(),
                images: pending.images.into(),
            }),
        }
    }
    runs
}

/// The tiles whose notes are on the device, so each note is written once and forgotten once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Noted(HashSet<TileId>);

impl Noted {
    /// Takes `unfinished` as the tiles the device's notes must now hold: the tiles to note (not
    /// noted yet) and those whose notes to forget (noted, and now finished).
    pub fn follow(&mut self, unfinished: &HashSet<TileId>) -> (Vec<TileId>, Vec<TileId>) {
        let begun = unfinished.difference(&self.0).copied().collect();
        let ended = self.0.difference(unfinished).copied().collect();
        self.0.clone_from(unfinished);
        (begun, ended)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(key: &str, prompt: &str, model: &str, images: u8) -> Pending {
        Pending { key: key.into(), page: 1, prompt: prompt.into(), model: model.into(), images }
    }

    #[test]
    fn calls_of_one_prompt_and_model_are_one_run() {
        let interrupted = [
            pending("1-1", "a fox", "dall-e-3", 1),
            pending("1-2", "a kite", "gpt-image-1", 4),
            pending("1-3", "a fox", "dall-e-3", 1),
            pending("1-4", "a fox", "gpt-image-2", 1),
        ];
        let lines: Vec<String> = runs(&interrupted).iter().map(InterruptedRun::line).collect();
        assert_eq!(
            lines,
            [
                "2 images of \"a fox\" (dall-e-3)",
                "4 images of \"a kite\" (gpt-image-1)",
                "1 image of \"a fox\" (gpt-image-2)"
            ]
        );
        assert!(runs(&[]).is_empty());
    }

    #[test]
    fn each_note_is_written_once_and_forgotten_once() {
        let mut noted = Noted::default();
        let set = |ids: &[TileId]| ids.iter().copied().collect::<HashSet<_>>();
        assert_eq!(noted.follow(&set(&[1, 2])).1, Vec::<TileId>::new());
        let (mut begun, ended) = noted.follow(&set(&[1, 2, 3]));
        begun.sort();
        assert_eq!((begun, ended), (vec![3], vec![]), "only the new tile is noted");
        let (begun, mut ended) = noted.follow(&set(&[2]));
        ended.sort();
        assert_eq!((begun, ended), (vec![], vec![1, 3]));
        assert_eq!(noted.follow(&set(&[2])), (vec![], vec![]), "nothing changed, nothing written");
    }

    #[test]
    fn a_note_from_before_pages_had_ids_reads_as_a_gone_pages() {
        let note: Pending =
            serde_json::from_str(r#"{"key":"7","prompt":"a fox","model":"dall-e-3","images":1}"#).unwrap();
        assert_eq!(note.page, 0);
    }
}
