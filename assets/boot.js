// Starts the app. Trunk's default starter is an inline script, which the page's
// Content-Security-Policy forbids; Trunk.toml's pattern_script loads this file instead and
// names the hashed JS and wasm files in data attributes.
const boot = document.querySelector("script[data-easel-js]");
const { default: init } = await import(boot.dataset.easelJs);
await init({ module_or_path: boot.dataset.easelWasm });
