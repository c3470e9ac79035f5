//! The studio's parts, one file each.

pub mod archive_panel;
pub mod connection_panel;
pub mod field;
pub mod gallery_view;
pub mod lightbox;
pub mod prompt_form;
pub mod result_grid;
pub mod show_as_code;
pub mod spending_panel;
