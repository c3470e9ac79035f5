//! The page's clock. Plain code is handed the time (`Tiles::start_due(cap, now_ms)`), so only the
//! browser's parts read it, from here.

use easel_contract::calendar::Date;

/// Milliseconds since the Unix epoch on the page's clock.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Today in UTC, as the page's clock has it.
pub fn today() -> Date {
    Date::from_days_since_epoch((js_sys::Date::now() / 86_400_000.0).floor() as i64)
}
