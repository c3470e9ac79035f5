//! The page's clock. Plain code is handed the time (`Tiles::start_due(cap, now_ms)`), so only the
//! browser's parts read it, from here.

/// Milliseconds since the Unix epoch on the page's clock.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
