//! The name a downloaded image is saved under: the date it was made, the prompt's first words and
//! its place in the run, so a folder of downloads sorts by date and reads by content.

use easel_contract::calendar::Date;
use easel_contract::wire::OutputFormat;

/// How many characters of the prompt a name keeps.
const PROMPT_CHARS: usize = 48;

/// `easel-2026-11-24-a-lighthouse-on-a-cliff-at-dawn-2.png` for the second image of a run made on
/// 2026-11-24 (`created` is the answer's, in seconds since the Unix epoch).
pub fn download_name(prompt: &str, created: i64, index: usize, format: OutputFormat) -> String {
    let date = Date::from_days_since_epoch(created.div_euclid(86_400));
    let mut words = String::new();
    for c in prompt.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            words.push(c);
        } else if !words.is_empty() && !words.ends_with('-') {
            words.push('-');
        }
        if words.chars().count() >= PROMPT_CHARS {
            break;
        }
    }
    let words = words.trim_end_matches('-');
    let words = if words.is_empty() { "image" } else { words };
    let extension = match format {
        OutputFormat::Png => "png",
        OutputFormat::Jpeg => "jpg",
        OutputFormat::Webp => "webp",
    };
    format!("easel-{date}-{words}-{}.{extension}", index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_date_prompt_and_place_in_the_run() {
        let created = 1_795_478_400 + 3_600; // 2026-11-24, 01:00 UTC
        assert_eq!(
            download_name("A lighthouse on a cliff, at dawn!", created, 1, OutputFormat::Png),
            "easel-2026-11-24-a-lighthouse-on-a-cliff-at-dawn-2.png"
        );
        assert_eq!(
            download_name("Ünïcode café", created, 0, OutputFormat::Jpeg),
            "easel-2026-11-24-ünïcode-café-1.jpg"
        );
        assert_eq!(
            download_name("../../etc/passwd", created, 0, OutputFormat::Png),
            "easel-2026-11-24-etc-passwd-1.png"
        );
        assert_eq!(download_name("!!!", created, 0, OutputFormat::Png), "easel-2026-11-24-image-1.png");
        let long = download_name(&"word ".repeat(40), created, 0, OutputFormat::Png);
        assert!(long.len() < 80, "{long}");
    }
}
