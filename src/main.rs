//! Mounts the app; trunk builds this for the browser from `index.html`.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(easel::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("Easel runs in a browser: start it with `./dev run`.");
    std::process::exit(2);
}
