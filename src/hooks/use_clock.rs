//! A clock for elapsed times and countdowns.

use std::time::Duration;

use leptos::prelude::*;

use crate::browser::clock::now_ms;

/// The page's clock in milliseconds, moved on every `tick`, stopped with the calling component.
pub fn use_clock(tick: Duration) -> ReadSignal<u64> {
    let (now, set_now) = signal(now_ms());
    if let Ok(clock) = set_interval_with_handle(move || set_now.set(now_ms()), tick) {
        on_cleanup(move || clock.clear());
    }
    now
}
