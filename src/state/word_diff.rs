//! What the service changed in a prompt: DALL-E 3 rewrites every prompt it is sent, and shows the
//! rewrite as `revised_prompt`; a word diff against the prompt sent makes the rewrite readable.

/// One run of words in the diff of a sent prompt against its revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Words in both, spelled as in the revised prompt.
    Same(String),
    /// Words only the revised prompt has.
    Added(String),
    /// Words only the sent prompt had, spelled as sent.
    Removed(String),
}

/// The most cells the word table may have. Prompts reach 32,000 characters (gpt-image), and a full
/// table for two such prompts would take far too much time and memory in a browser tab; 4 Mi cells
/// of `u16` is 8 MiB and a few milliseconds. It also keeps the shorter side under 2,048 words, so
/// a common run's length always fits a `u16`.
const MAX_CELLS: usize = 1 << 22;

/// The diff of `revised` against `sent`, word by word, in runs of the same kind (removed words
/// before the added ones that replace them). Words match ignoring case and the punctuation around
/// them, so "Dawn," matches "dawn"; runs keep their words separated by single spaces.
pub fn word_diff(sent: &str, revised: &str) -> Vec<Change> {
    let sent: Vec<&str> = sent.split_whitespace().collect();
    let revised: Vec<&str> = revised.split_whitespace().collect();
    let sent_keys: Vec<String> = sent.iter().map(|word| key(word)).collect();
    let revised_keys: Vec<String> = revised.iter().map(|word| key(word)).collect();

    // A rewrite usually keeps the start or the end, and trimming them first keeps the table small.
    let prefix = sent_keys.iter().zip(&revised_keys).take_while(|(a, b)| a == b).count();
    let suffix =
        sent_keys[prefix..].iter().rev().zip(revised_keys[prefix..].iter().rev()).take_while(|(a, b)| a == b).count();
    let (sent_end, revised_end) = (sent.len() - suffix, revised.len() - suffix);

    let mut runs = Vec::new();
    push(&mut runs, Change::Same, &revised[..prefix]);
    let (mut i, mut j) = (prefix, prefix);
    for (matched_i, matched_j) in common_words(&sent_keys[prefix..sent_end], &revised_keys[prefix..revised_end]) {
        let (matched_i, matched_j) = (prefix + matched_i, prefix + matched_j);
        push(&mut runs, Change::Removed, &sent[i..matched_i]);
        push(&mut runs, Change::Added, &revised[j..matched_j]);
        push(&mut runs, Change::Same, &revised[matched_j..=matched_j]);
        (i, j) = (matched_i + 1, matched_j + 1);
    }
    push(&mut runs, Change::Removed, &sent[i..sent_end]);
    push(&mut runs, Change::Added, &revised[j..revised_end]);
    push(&mut runs, Change::Same, &revised[revised_end..]);
    runs
}

/// What a word is compared by: lower case, without the punctuation around it. A word of
/// punctuation only ("-", "&") is compared as it is, so it does not match every other such word.
fn key(word: &str) -> String {
    let core = word.trim_matches(|c: char| !c.is_alphanumeric());
    if core.is_empty() { word } else { core }.to_lowercase()
}

/// The positions `(in a, in b)` of a longest common subsequence of `a` and `b`, in order; none
/// when the table would exceed [`MAX_CELLS`], so that two long, different prompts show as all
/// removed and all added rather than stalling the page.
fn common_words(a: &[String], b: &[String]) -> Vec<(usize, usize)> {
    let width = b.len() + 1;
    if (a.len() + 1).saturating_mul(width) > MAX_CELLS {
        return Vec::new();
    }
    // `table[i * width + j]`: the length of a longest common subsequence of `a[i..]` and `b[j..]`.
    let mut table = vec![0u16; (a.len() + 1) * width];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            table[i * width + j] = if a[i] == b[j] {
                table[(i + 1) * width + j + 1] + 1
            } else {
                table[(i + 1) * width + j].max(table[i * width + j + 1])
            };
        }
    }
    let mut matches = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            matches.push((i, j));
            (i, j) = (i + 1, j + 1);
        } else if table[(i + 1) * width + j] >= table[i * width + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    matches
}

/// Appends `words` as a run of `kind`, joining the last run when it is of the same kind.
fn push(runs: &mut Vec<Change>, kind: fn(String) -> Change, words: &[&str]) {
    if words.is_empty() {
        return;
    }
    match (runs.last_mut(), kind(words.join(" "))) {
        (Some(Change::Same(run)), Change::Same(text))
        | (Some(Change::Added(run)), Change::Added(text))
        | (Some(Change::Removed(run)), Change::Removed(text)) => {
            run.push(' ');
            run.push_str(&text);
        }
        (_, change) => runs.push(change),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Change::{Added, Removed, Same};

    fn same(text: &str) -> Change {
        Same(text.into())
    }
    fn added(text: &str) -> Change {
        Added(text.into())
    }
    fn removed(text: &str) -> Change {
        Removed(text.into())
    }

    /// The revised prompt as the diff shows it: its Same and Added runs.
    fn revised_words(changes: &[Change]) -> String {
        let runs: Vec<&str> = changes
            .iter()
            .filter_map(|change| match change {
                Same(text) | Added(text) => Some(text.as_str()),
                Removed(_) => None,
            })
            .collect();
        runs.join(" ")
    }

    #[test]
    fn identical_prompts_are_one_run_with_white_space_collapsed() {
        assert_eq!(word_diff("a fox  in\nsnow", " a fox in snow "), [same("a fox in snow")]);
    }

    #[test]
    fn a_typical_dall_e_3_rewrite_shows_what_was_added() {
        let revised = "A red fox standing in fresh snow, watercolour style.";
        let changes = word_diff("a fox in snow", revised);
        assert_eq!(
            changes,
            [
                same("A"),
                added("red"),
                same("fox"),
                added("standing"),
                same("in"),
                added("fresh"),
                same("snow,"),
                added("watercolour style."),
            ]
        );
        assert_eq!(revised_words(&changes), revised);
    }

    #[test]
    fn words_added_at_the_start_or_the_end_are_one_run() {
        assert_eq!(
            word_diff("a lighthouse at dawn", "Photograph of a lighthouse at dawn"),
            [added("Photograph of"), same("a lighthouse at dawn")]
        );
        assert_eq!(
            word_diff("a lighthouse at dawn", "a lighthouse at dawn, in soft pastel colours"),
            [same("a lighthouse at dawn,"), added("in soft pastel colours")]
        );
    }

    #[test]
    fn removed_words_keep_the_sent_spelling_and_come_before_their_replacement() {
        assert_eq!(
            word_diff("a very tiny Fox in snow", "a fox in snow"),
            [same("a"), removed("very tiny"), same("fox in snow")]
        );
        assert_eq!(
            word_diff("a fox in deep snow", "a fox in fresh snow"),
            [same("a fox in"), removed("deep"), added("fresh"), same("snow")]
        );
    }

    #[test]
    fn an_empty_side_is_all_added_or_all_removed() {
        assert_eq!(word_diff("", "A red fox."), [added("A red fox.")]);
        assert_eq!(word_diff("a red  fox", "  "), [removed("a red fox")]);
        assert_eq!(word_diff("", ""), []);
    }

    #[test]
    fn case_and_surrounding_punctuation_are_ignored_and_the_revised_spelling_kept() {
        assert_eq!(
            word_diff("lighthouse at dawn, fog", "Lighthouse at \"Dawn\" - fog."),
            [same("Lighthouse at \"Dawn\""), added("-"), same("fog.")]
        );
        assert_eq!(word_diff("Café", "café!"), [same("café!")]);
        assert_eq!(word_diff("a - b", "a & b"), [same("a"), removed("-"), added("&"), same("b")]);
    }

    #[test]
    fn past_the_table_limit_the_middle_is_all_removed_then_all_added() {
        let words: Vec<String> = (0..6_000).map(|i| format!("w{i}")).collect();
        let forward = words.join(" ");
        let backward = words.iter().rev().cloned().collect::<Vec<_>>().join(" ");
        // Within the limit the longest common run would be one word; past it nothing is matched,
        // but the common start and end are still trimmed and shown as the same.
        assert_eq!(
            word_diff(&format!("Start {forward} end."), &format!("start {backward} End")),
            [same("start"), removed(&forward), added(&backward), same("End")]
        );
    }
}
