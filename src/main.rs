//! Mounts the app; trunk builds this for the browser from `index.html`.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    // The team's profiles come first, so the form opens on the right connection. Leptos's own
    // executor starts with the mount, so this one task runs on the browser's.
    wasm_bindgen_futures::spawn_local(async {
        let team = easel::team_profiles().await;
        leptos::mount::mount_to_body(move || easel::App(easel::AppProps { team }));
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("Easel runs in a browser: start it with `./dev run`.");
    std::process::exit(2);
}
