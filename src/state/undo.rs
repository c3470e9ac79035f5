//! Deletes that can be undone: what each took away, offered back until its own time is up, and
//! how each undo says what it undoes. Generic over the bytes a delete holds (the browser's
//! blobs in the app), so the rules are tested natively.

use crate::state::gallery::ImageRecord;

/// What one delete took away: each record with whatever of its bytes could be read, so even an
/// image whose bytes were gone comes back as it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Deleted<Bytes> {
    /// Tells this delete's undo from the others offered at the same time.
    pub key: u64,
    /// Each record taken away, with its bytes.
    pub items: Vec<(ImageRecord, Bytes)>,
}

impl<Bytes> Deleted<Bytes> {
    /// What it took away, so each of several undos says which it undoes: one image by the start
    /// of its prompt, more by their number.
    pub fn what(&self) -> String {
        /// Characters of a prompt that name an image in a line.
        const SHOWN: usize = 48;
        match &self.items[..] {
            [(record, _)] => {
                let mut prompt: String = record.prompt().chars().take(SHOWN).collect();
                if prompt.len() < record.prompt().len() {
                    prompt.push('…');
                }
                format!("Deleted “{prompt}”.")
            }
            items => format!("Deleted {} images.", items.len()),
        }
    }
}

/// Every delete that can still be undone, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Undos<Bytes> {
    offered: Vec<Deleted<Bytes>>,
    next_key: u64,
}

impl<Bytes> Default for Undos<Bytes> {
    fn default() -> Self {
        Undos { offered: Vec::new(), next_key: 0 }
    }
}

impl<Bytes> Undos<Bytes> {
    /// Offers to undo the delete of `items`; the key names it to [`Undos::take`] and
    /// [`Undos::expire`].
    pub fn offer(&mut self, items: Vec<(ImageRecord, Bytes)>) -> u64 {
        let key = self.next_key;
        self.next_key += 1;
        self.offered.push(Deleted { key, items });
        key
    }

    /// What the delete `key` took away, to put back; `None` once undone or expired.
    pub fn take(&mut self, key: u64) -> Option<Deleted<Bytes>> {
        let place = self.offered.iter().position(|deleted| deleted.key == key)?;
        Some(self.offered.remove(place))
    }

    /// Stops offering the delete `key`: its time is up. The others stay.
    pub fn expire(&mut self, key: u64) {
        self.offered.retain(|deleted| deleted.key != key);
    }

    /// The deletes offered, oldest first.
    pub fn offered(&self) -> &[Deleted<Bytes>] {
        &self.offered
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::gallery::tests::record;

    fn deleted(prompt: &str) -> (ImageRecord, ()) {
        (record(prompt, "gpt-image-1", 0, (1024, 1024)), ())
    }

    #[test]
    fn each_delete_is_undone_on_its_own_until_its_time_is_up() {
        let mut undos = Undos::default();
        let fox = undos.offer(vec![deleted("a fox")]);
        let pair = undos.offer(vec![deleted("a kite"), deleted("a crane")]);
        assert_ne!(fox, pair);
        assert_eq!(undos.offered().len(), 2);

        let taken = undos.take(pair).unwrap();
        assert_eq!(taken.items.len(), 2);
        assert_eq!(undos.take(pair), None, "undone once");
        undos.expire(fox);
        assert_eq!(undos.take(fox), None, "gone with its time");
        assert!(undos.offered().is_empty());

        let later = undos.offer(vec![deleted("a heron")]);
        assert!(later != fox && later != pair, "a key is never given twice");
    }

    #[test]
    fn an_undo_names_one_image_by_its_prompt_and_more_by_their_number() {
        let one = Deleted { key: 0, items: vec![deleted("a fox")] };
        assert_eq!(one.what(), "Deleted “a fox”.");
        let long = "a very long prompt about a lighthouse on a cliff at dusk, in oils";
        assert_eq!(
            Deleted { key: 0, items: vec![deleted(long)] }.what(),
            "Deleted “a very long prompt about a lighthouse on a cliff…”."
        );
        assert_eq!(Deleted { key: 0, items: vec![deleted("a"), deleted("b")] }.what(), "Deleted 2 images.");
    }
}
