//! Azure's content-filter findings: the same shape in a successful answer (per image, for the
//! prompt and the image) and in the error a filtered call gets.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// Azure's content-filter findings, by category (`violence`, `sexual`, `hate`, `self_harm`,
/// `profanity`, `jailbreak`, ...). Entries of another shape (such as `custom_blocklists`
/// details) are skipped.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct FilterResults(pub BTreeMap<String, CategoryResult>);

/// One category's finding.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CategoryResult {
    /// Whether this category made the filter act.
    #[serde(default)]
    pub filtered: bool,
    /// `safe`, `low`, `medium` or `high`, for graded categories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// Whether it was found at all, for detected-or-not categories (`jailbreak`, `profanity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detected: Option<bool>,
}

impl<'de> Deserialize<'de> for FilterResults {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = BTreeMap::<String, serde_json::Value>::deserialize(deserializer)?;
        Ok(FilterResults(
            raw.into_iter()
                .filter_map(|(category, value)| Some((category, serde_json::from_value(value).ok()?)))
                .collect(),
        ))
    }
}

impl FilterResults {
    /// The categories that made the filter act, in alphabetical order.
    pub fn triggered(&self) -> Vec<String> {
        self.0.iter().filter(|(_, result)| result.filtered).map(|(category, _)| category.clone()).collect()
    }
}
