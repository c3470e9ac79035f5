//! Faults the local endpoint can be told to give, so the app's handling of every failure can be
//! tested against a real server: by a marker in the prompt, or at random for fault runs.

use std::sync::atomic::{AtomicU64, Ordering};

/// One way a generation call can go wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The content filter refuses the prompt.
    FilterPrompt,
    /// The content filter withholds the image it made.
    FilterImage,
    /// 429, with `Retry-After`.
    RateLimited,
    /// 500.
    ServerError,
    /// 503.
    Unavailable,
    /// The answer comes, but slowly.
    Slow,
}

impl Fault {
    /// Every fault, with the marker that asks for it in a prompt.
    pub const MARKERS: [(&'static str, Fault); 6] = [
        ("[fault:filter-prompt]", Fault::FilterPrompt),
        ("[fault:filter-image]", Fault::FilterImage),
        ("[fault:429]", Fault::RateLimited),
        ("[fault:500]", Fault::ServerError),
        ("[fault:503]", Fault::Unavailable),
        ("[fault:slow]", Fault::Slow),
    ];

    /// The fault a prompt asks for with a marker, if any.
    pub fn in_prompt(prompt: &str) -> Option<Fault> {
        Fault::MARKERS.iter().find(|(marker, _)| prompt.contains(marker)).map(|(_, fault)| *fault)
    }
}

/// Picks faults at random for fault runs: each call fails with probability `rate`.
#[derive(Debug)]
pub struct RandomFaults {
    rate: f64,
    state: AtomicU64,
}

impl RandomFaults {
    /// Faults on a share `rate` (0 to 1) of calls, in an order fixed by `seed`.
    pub fn new(rate: f64, seed: u64) -> Self {
        RandomFaults { rate: rate.clamp(0.0, 1.0), state: AtomicU64::new(seed | 1) }
    }

    /// The fault for the next call, if it gets one.
    pub fn next(&self) -> Option<Fault> {
        if self.rate == 0.0 {
            return None;
        }
        // xorshift64 stepped atomically: concurrent calls each get their own draw.
        let step = |mut x: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let previous =
            self.state.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |x| Some(step(x))).expect("always Some");
        let draw = step(previous);
        let unit = (draw >> 11) as f64 / (1u64 << 53) as f64;
        (unit < self.rate).then(|| Fault::MARKERS[(draw % Fault::MARKERS.len() as u64) as usize].1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_in_a_prompt_ask_for_their_fault() {
        assert_eq!(Fault::in_prompt("a fox [fault:429] in snow"), Some(Fault::RateLimited));
        assert_eq!(Fault::in_prompt("[fault:filter-image]"), Some(Fault::FilterImage));
        assert_eq!(Fault::in_prompt("a fox in snow"), None);
    }

    #[test]
    fn random_faults_come_at_about_the_rate_asked_and_of_every_kind() {
        let faults = RandomFaults::new(0.2, 7);
        let drawn: Vec<_> = (0..10_000).filter_map(|_| faults.next()).collect();
        assert!((1_800..=2_200).contains(&drawn.len()), "{} faults in 10,000", drawn.len());
        for (_, fault) in Fault::MARKERS {
            assert!(drawn.contains(&fault), "{fault:?} never drawn");
        }
        assert_eq!(RandomFaults::new(0.0, 7).next(), None);
    }
}
