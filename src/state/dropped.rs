//! A file dropped on the studio: an Easel PNG brings back the prompt and settings it was made
//! with; anything else is told why it brings nothing.

use std::fmt;

use easel_contract::model::ModelProfile;
use easel_contract::request::ImageRequest;

use crate::state::archive::record_in_png;
use crate::state::png_record::PngTextProblem;

/// What dropping a file did, as the form says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dropped {
    /// Its prompt and settings are in the form; holds the file's name.
    Restored(String),
    /// It brought nothing, and why.
    Refused(DropProblem),
}

/// Why a dropped file brought no settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropProblem {
    /// The browser could not read the file; holds its name.
    Unreadable(String),
    /// The file is not an Easel PNG, or its record cannot be read.
    NoSettings {
        /// The file's name.
        file: String,
        /// Why.
        problem: PngTextProblem,
    },
    /// It was made with a model this Easel does not know.
    UnknownModel {
        /// The file's name.
        file: String,
        /// The model, as the file names it.
        model: String,
    },
}

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dropped::Restored(file) => write!(f, "The prompt and settings of {file} are in the form."),
            Dropped::Refused(problem) => problem.fmt(f),
        }
    }
}

impl fmt::Display for DropProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropProblem::Unreadable(file) => write!(f, "{file} could not be read."),
            DropProblem::NoSettings { file, problem } => write!(f, "{file}: {problem}"),
            DropProblem::UnknownModel { file, model } => {
                write!(f, "{file} was made with {model}, a model this Easel does not know.")
            }
        }
    }
}

impl std::error::Error for DropProblem {}

/// The model and request the file `name`, of `bytes`, was made with.
pub fn settings_in(name: &str, bytes: &[u8]) -> Result<(&'static ModelProfile, ImageRequest), DropProblem> {
    let record = record_in_png(bytes).map_err(|problem| DropProblem::NoSettings { file: name.to_owned(), problem })?;
    let model = ModelProfile::by_name(&record.model)
        .ok_or_else(|| DropProblem::UnknownModel { file: name.to_owned(), model: record.model.clone() })?;
    Ok((model, record.request))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::gallery::tests::record;
    use crate::state::png_record::with_record;

    /// A 1×1 PNG carrying `record_json`.
    fn easel_png(record_json: &str) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, 1, 1);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.write_header().unwrap().write_image_data(&[0]).unwrap();
        let parts = with_record(&bytes, record_json).unwrap();
        let kept = |ranges: &[std::ops::Range<usize>]| {
            ranges.iter().flat_map(|range| bytes[range.clone()].to_vec()).collect::<Vec<_>>()
        };
        [kept(&parts.before), parts.chunk.clone(), kept(&parts.after)].concat()
    }

    #[test]
    fn an_easel_png_brings_its_model_and_request() {
        let made = record("a heron in the reeds", "gpt-image-1", 0, (1, 1));
        let (model, request) = settings_in("heron.png", &easel_png(&serde_json::to_string(&made).unwrap())).unwrap();
        assert_eq!((model.name, request), ("gpt-image-1", made.request));
        assert_eq!(
            Dropped::Restored("heron.png".into()).to_string(),
            "The prompt and settings of heron.png are in the form."
        );
    }

    #[test]
    fn any_other_file_is_told_why_it_brings_nothing() {
        let problem = settings_in("notes.txt", b"plain text").unwrap_err();
        assert_eq!(problem.to_string(), "notes.txt: This file is not a PNG, so it carries no settings from Easel.");
        let unknown = record("a kite", "dall-e-9", 0, (1, 1));
        let problem = settings_in("kite.png", &easel_png(&serde_json::to_string(&unknown).unwrap())).unwrap_err();
        assert_eq!(problem.to_string(), "kite.png was made with dall-e-9, a model this Easel does not know.");
        assert_eq!(DropProblem::Unreadable("big.png".into()).to_string(), "big.png could not be read.");
    }
}
