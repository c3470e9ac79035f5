//! The app's hooks, one per file as leptos-use keeps them: each ties a signal to something of
//! the browser's (a timer, a key, the address) for as long as the component that calls it lives.

mod use_clock;
mod use_escape;
mod use_hash;

pub use use_clock::use_clock;
pub use use_escape::use_escape;
pub use use_hash::use_hash;
