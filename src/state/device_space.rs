//! How much room the browser gives Easel on this device, and when to warn that it runs out:
//! before a write fails, not after.

/// Below this much room left, Easel warns: about twenty realistic images (1.7 MB each, with
/// their thumbnails), so the user has time to export and delete before a write fails.
const LOW_BYTES: f64 = 40e6;

/// What the browser reports of Easel's storage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Space {
    /// Bytes in use.
    pub used: f64,
    /// Bytes the browser allows this site.
    pub quota: f64,
    /// Whether the browser promised not to clear it when the device runs short of space.
    pub persisted: bool,
}

impl Space {
    /// Bytes still free.
    pub fn left(&self) -> f64 {
        (self.quota - self.used).max(0.0)
    }

    /// Whether a write of `bytes` more would leave less than the warning's margin.
    pub fn is_low_for(&self, bytes: f64) -> bool {
        self.left() < bytes + LOW_BYTES
    }

    /// The line the gallery shows: used, left, and whether the images are safe from clean-up.
    pub fn describe(&self) -> String {
        format!(
            "{} used, {} left{}",
            amount(self.used),
            amount(self.left()),
            if self.persisted {
                "; kept safe from the browser's clean-up"
            } else {
                "; the browser may clear it when the device runs short of space (export what matters)"
            }
        )
    }

    /// The warning to show while little room is left, if it is.
    pub fn warning(&self) -> Option<String> {
        self.is_low_for(0.0).then(|| {
            format!(
                "Only {} left for Easel on this device: new images may not be kept. Export and delete older images \
                 in the Gallery to make room.",
                amount(self.left())
            )
        })
    }
}

/// Bytes as a person reads them: "12.3 MB", "1.2 GB".
fn amount(bytes: f64) -> String {
    if bytes >= 1e9 {
        format!("{:.1} GB", bytes / 1e9)
    } else {
        format!("{:.1} MB", bytes / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_left_is_said_in_plain_words_and_warned_of_before_it_runs_out() {
        let roomy = Space { used: 12_345_678.0, quota: 2.5e9, persisted: true };
        assert_eq!(roomy.describe(), "12.3 MB used, 2.5 GB left; kept safe from the browser's clean-up");
        assert_eq!(roomy.warning(), None);
        let tight = Space { used: 990e6, quota: 1e9, persisted: false };
        assert!(tight.is_low_for(2e6));
        assert_eq!(
            tight.warning().unwrap(),
            "Only 10.0 MB left for Easel on this device: new images may not be kept. Export and delete older images \
             in the Gallery to make room."
        );
        assert!(tight.describe().ends_with("may clear it when the device runs short of space (export what matters)"));
        let over = Space { used: 2e9, quota: 1e9, persisted: false };
        assert_eq!(over.left(), 0.0, "a browser may report more used than allowed");
    }
}
