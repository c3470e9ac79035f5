//! Plain state and rules: no browser, no signals, so every line here is tested natively
//! (`cargo test`). The browser's parts and the components hold these types and call their
//! methods; time and randomness are passed in.

pub mod archive;
pub mod connections;
pub mod device_space;
pub mod dropped;
pub mod file_name;
pub mod gallery;
pub mod gallery_grid;
pub mod interrupted;
pub mod png_record;
pub mod show_as_code;
pub mod spending;
pub mod studio;
pub mod studio_form;
pub mod tiles;
pub mod undo;
pub mod word_diff;
