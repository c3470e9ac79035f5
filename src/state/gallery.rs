//! What Easel keeps of every image it made, and how the gallery finds them: the record stored
//! beside the bytes (never a key), and search, filters and order as plain functions.

use easel_contract::request::ImageRequest;

use easel_contract::wire::OutputFormat;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Everything known about one kept image but its bytes. It travels in exports as it is stored,
/// so its fields only grow, each new one with a default. The one field ever taken out is the
/// prompt beside the request: it was the request's own, so a record written with it reads the
/// same (serde passes over the field), and archives since format 2 leave it out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRecord {
    /// The image's [`image_id`]: the same image is kept once.
    pub id: String,
    /// The prompt the model used, when it rewrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revised_prompt: Option<String>,
    /// The model, as Azure names it.
    pub model: String,
    /// The request's body as sent, every parameter in the API's spelling.
    pub request: ImageRequest,
    /// When the service made it, in seconds since the Unix epoch.
    pub created: i64,
    /// The connection profile it came through, by name.
    pub connection: String,
    /// The file format of the bytes.
    pub format: OutputFormat,
    /// Width and height in pixels, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pixels: Option<(u32, u32)>,
    /// Its share of the call's cost in millionths of a dollar, when Easel could price it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_micro_usd: Option<u64>,
    /// Marked by the user.
    #[serde(default)]
    pub favourite: bool,
}

/// The id of an image: the SHA-256, in lower-case hex, of its bytes less the record an export
/// writes into a PNG (its `easel` text chunk, see [`crate::state::png_record`]), so an image has one id
/// before and after an export. Every id Easel computes comes from here.
pub fn image_id(bytes: &[u8]) -> String {
    Sha256::digest(crate::state::png_record::without_record(bytes)).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The order of the gallery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Newest first.
    #[default]
    Newest,
    /// Oldest first.
    Oldest,
}

/// What the gallery shows: every filter the user set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    /// Words that must all appear in the prompt or the revised prompt, in any case.
    pub text: String,
    /// Only this model, if set.
    pub model: Option<String>,
    /// Only this size (`1024x1024`), if set.
    pub size: Option<String>,
    /// Only images made on or after this day (`YYYY-MM-DD`, UTC), if set.
    pub from: Option<String>,
    /// Only images made on or before this day, if set.
    pub to: Option<String>,
    /// Only favourites.
    pub favourites: bool,
    /// The order.
    pub order: Order,
}

impl ImageRecord {
    /// The prompt as the user wrote it: the request's, held there only.
    pub fn prompt(&self) -> &str {
        &self.request.prompt
    }

    /// The size as the API spells it, `1024x1024`, when known.
    pub fn size(&self) -> Option<String> {
        self.pixels.map(|(width, height)| format!("{width}x{height}"))
    }

    /// The day it was made, `YYYY-MM-DD` in UTC.
    pub fn day(&self) -> String {
        easel_contract::calendar::Date::from_days_since_epoch(self.created.div_euclid(86_400)).to_string()
    }
}

impl Query {
    /// Whether `record` passes every filter.
    pub fn admits(&self, record: &ImageRecord) -> bool {
        let text =
            format!("{} {}", record.prompt(), record.revised_prompt.as_deref().unwrap_or_default()).to_lowercase();
        let day = record.day();
        self.text.to_lowercase().split_whitespace().all(|word| text.contains(word))
            && self.model.as_ref().is_none_or(|model| *model == record.model)
            && self.size.as_ref().is_none_or(|size| Some(size) == record.size().as_ref())
            && self.from.as_ref().is_none_or(|from| day >= *from)
            && self.to.as_ref().is_none_or(|to| day <= *to)
            && (!self.favourites || record.favourite)
    }

    /// The records that pass, in the chosen order (ties: the id, so the order is stable).
    pub fn apply<'a>(&self, records: impl IntoIterator<Item = &'a ImageRecord>) -> Vec<&'a ImageRecord> {
        let mut shown: Vec<_> = records.into_iter().filter(|record| self.admits(record)).collect();
        shown.sort_by(|a, b| match self.order {
            Order::Newest => b.created.cmp(&a.created).then_with(|| a.id.cmp(&b.id)),
            Order::Oldest => a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)),
        });
        shown
    }
}

/// The record `id` with its favourite mark turned over, to write back; `None` if it is not kept.
pub fn with_favourite_toggled(records: &[ImageRecord], id: &str) -> Option<ImageRecord> {
    let record = records.iter().find(|record| record.id == id)?;
    Some(ImageRecord { favourite: !record.favourite, ..record.clone() })
}

/// The records of `ids` that are kept, in the order of `ids`.
pub fn records_of(records: &[ImageRecord], ids: &[String]) -> Vec<ImageRecord> {
    ids.iter().filter_map(|id| records.iter().find(|record| &record.id == id)).cloned().collect()
}

/// The values a filter can take among `records`, sorted and each once: for the model and size
/// lists.
pub fn choices(records: &[ImageRecord], of: impl Fn(&ImageRecord) -> Option<String>) -> Vec<String> {
    let mut values: Vec<String> = records.iter().filter_map(of).collect();
    values.sort();
    values.dedup();
    values
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A record made `days` after 2026-11-01 with `prompt`.
    pub(crate) fn record(prompt: &str, model: &str, days: i64, pixels: (u32, u32)) -> ImageRecord {
        ImageRecord {
            id: image_id(prompt.as_bytes()),
            revised_prompt: None,
            model: model.into(),
            request: ImageRequest { prompt: prompt.into(), ..Default::default() },
            created: 1_793_491_200 + days * 86_400,
            connection: "Local endpoint".into(),
            format: OutputFormat::Png,
            pixels: Some(pixels),
            cost_micro_usd: None,
            favourite: false,
        }
    }

    #[test]
    fn the_id_is_the_sha_256_of_the_bytes() {
        assert_eq!(image_id(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn search_and_filters_combine() {
        let mut fox = record("A red fox in snow", "dall-e-3", 0, (1024, 1024));
        fox.revised_prompt = Some("A red fox standing in fresh snow, watercolour".into());
        let mut crane = record("a paper crane", "gpt-image-1", 3, (1536, 1024));
        crane.favourite = true;
        let kite = record("a red kite", "gpt-image-1", 9, (1024, 1024));
        let all = [fox.clone(), crane.clone(), kite.clone()];
        let ids = |query: Query| query.apply(&all).iter().map(|r| r.prompt().to_owned()).collect::<Vec<_>>();

        assert_eq!(ids(Query::default()), ["a red kite", "a paper crane", "A red fox in snow"], "newest first");
        assert_eq!(ids(Query { order: Order::Oldest, ..Default::default() })[0], "A red fox in snow");
        assert_eq!(ids(Query { text: "RED".into(), ..Default::default() }), ["a red kite", "A red fox in snow"]);
        assert_eq!(ids(Query { text: "watercolour fox".into(), ..Default::default() }), ["A red fox in snow"]);
        assert_eq!(ids(Query { model: Some("gpt-image-1".into()), ..Default::default() }).len(), 2);
        assert_eq!(ids(Query { size: Some("1536x1024".into()), ..Default::default() }), ["a paper crane"]);
        assert_eq!(ids(Query { favourites: true, ..Default::default() }), ["a paper crane"]);
        assert_eq!(
            ids(Query { from: Some("2026-11-02".into()), to: Some("2026-11-05".into()), ..Default::default() }),
            ["a paper crane"]
        );
        assert_eq!(crane.day(), "2026-11-04");
        assert_eq!(choices(&all, |r| Some(r.model.clone())), ["dall-e-3", "gpt-image-1"]);
    }

    #[test]
    fn a_favourite_is_turned_over_and_records_are_found_by_id() {
        let fox = record("a fox", "dall-e-3", 0, (1024, 1024));
        let kite = ImageRecord { favourite: true, ..record("a kite", "dall-e-3", 1, (1024, 1024)) };
        let all = [fox.clone(), kite.clone()];
        assert!(with_favourite_toggled(&all, &fox.id).unwrap().favourite);
        assert!(!with_favourite_toggled(&all, &kite.id).unwrap().favourite);
        assert_eq!(with_favourite_toggled(&all, "gone"), None);
        let ids = [kite.id.clone(), "gone".into(), fox.id.clone()];
        assert_eq!(records_of(&all, &ids), [kite, fox], "in the order asked, the gone left out");
    }

    #[test]
    fn a_record_reads_back_from_json_without_fields_added_later() {
        let json = r#"{"id":"x","prompt":"p","model":"dall-e-3","request":{"prompt":"p"},"created":1,"connection":"c","format":"png"}"#;
        let record: ImageRecord = serde_json::from_str(json).unwrap();
        assert_eq!((record.favourite, record.pixels, record.cost_micro_usd), (false, None, None));
        assert_eq!(record.prompt(), "p", "a prompt kept beside the request is the request's");
    }

    #[test]
    fn a_record_holds_its_prompt_once() {
        let json = serde_json::to_string(&record("a heron in the reeds", "gpt-image-2", 0, (1024, 1024))).unwrap();
        assert_eq!(json.matches("a heron in the reeds").count(), 1, "{json}");
    }
}
