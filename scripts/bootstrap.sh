#!/usr/bin/env bash
# Installs everything Easel's build and tests need on a fresh Debian 12 machine, and nothing
# twice: a second run with everything present finishes in a few seconds.
#
# Project tools live in .tools/ inside the repo (git ignores it); only the wasm32 target and the
# Debian packages (the browsers, their drivers, Xvfb) go outside it. Versions and the traps
# behind each step are in ../shared/reference/toolchain.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
mkdir -p "$tools/bin"

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132.0.0
# wasm-bindgen-cli must match the wasm-bindgen library exactly, so it is read from Cargo.lock.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$root/Cargo.lock")

say() { printf '\033[1mbootstrap:\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# The three engines the end-to-end tests drive: Chromium with ChromeDriver, Firefox ESR (its
# driver, geckodriver, is built below), and WebKitGTK's MiniBrowser with its WebDriver, which has
# no headless mode and so runs in Xvfb. brotli precompresses the release build
# (scripts/precompress.sh).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v brotli >/dev/null \
  || ! command -v firefox-esr >/dev/null || ! command -v WebKitWebDriver >/dev/null || ! command -v Xvfb >/dev/null; then
  say "installing Chromium, ChromeDriver, Firefox ESR, WebKitGTK's WebDriver, Xvfb and brotli (Debian packages)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    chromium chromium-driver firefox-esr webkit2gtk-driver xvfb brotli >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! "$tools/bin/trunk" --version 2>/dev/null | grep -qF " $TRUNK_VERSION"; then
  say "building trunk $TRUNK_VERSION (a few minutes on 2 cores)"
  # trunk's own release profile asks for fat LTO in one codegen unit, which takes minutes and
  # buys nothing here: trunk mostly waits on cargo and on the tools it runs, so it is built
  # unoptimised. Environment settings override its profile.
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 CARGO_PROFILE_RELEASE_OPT_LEVEL=0 \
    CARGO_PROFILE_RELEASE_DEBUG=false cargo install --quiet --locked --root "$tools" --target-dir "$tools/build" trunk --version "$TRUNK_VERSION"
fi

if ! "$tools/bin/wasm-bindgen" --version 2>/dev/null | grep -qF " $WASM_BINDGEN_VERSION"; then
  say "building wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes)"
  # Its published lock pins a webpki-roots this registry lacks, so `cargo install --locked` fails.
  # Build from the crate's source with that one dependency moved back a patch release.
  src="$tools/src/wasm-bindgen-cli-$WASM_BINDGEN_VERSION"
  if [ ! -f "$src/Cargo.toml" ]; then
    fetcher="$tools/src/fetch-wasm-bindgen-cli"
    mkdir -p "$fetcher/src"
    printf '[package]\nname = "fetch"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\nwasm-bindgen-cli = "=%s"\n' \
      "$WASM_BINDGEN_VERSION" >"$fetcher/Cargo.toml"
    touch "$fetcher/src/lib.rs"
    cargo fetch --quiet --manifest-path "$fetcher/Cargo.toml"
    crate=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"wasm-bindgen-cli-$WASM_BINDGEN_VERSION.crate" | head -n 1)
    tar -xzf "$crate" -C "$tools/src"
    rm -rf "$fetcher"
  fi
  (cd "$src" && cargo update --quiet -p webpki-roots --precise 1.0.10 2>/dev/null || true)
  # Lightly optimised: it rewrites a few megabytes of wasm per build, quickly even so.
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install --quiet --locked --root "$tools" --target-dir "$tools/build" --path "$src"
fi

GECKODRIVER_VERSION=0.37.1
if ! "$tools/bin/geckodriver" --version 2>/dev/null | grep -qF " $GECKODRIVER_VERSION"; then
  say "building geckodriver $GECKODRIVER_VERSION (Firefox's WebDriver; about a minute)"
  # Unoptimised for the same reason as trunk: it only relays commands.
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 CARGO_PROFILE_RELEASE_OPT_LEVEL=0 \
    CARGO_PROFILE_RELEASE_DEBUG=false cargo install --quiet --locked --root "$tools" --target-dir "$tools/build" geckodriver --version "$GECKODRIVER_VERSION"
fi

# Debian's binaryen (108) emits a wasm that loads blank; binaryen's npm build is current and quick.
if [ "$("$tools/npm/node_modules/.bin/wasm-opt" --version 2>/dev/null | awk '{print $3}')" != "${BINARYEN_VERSION%%.*}" ]; then
  say "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
  npm install --silent --no-audit --no-fund --prefix "$tools/npm" "binaryen@$BINARYEN_VERSION" >/dev/null
fi
ln -sf "$tools/npm/node_modules/.bin/wasm-opt" "$tools/bin/wasm-opt"

# axe-core, which the end-to-end tests run on each page to check its accessibility.
AXE_CORE_VERSION=4.14.1
if ! grep -qF "\"version\": \"$AXE_CORE_VERSION\"" "$tools/npm/node_modules/axe-core/package.json" 2>/dev/null; then
  say "installing axe-core $AXE_CORE_VERSION (npm)"
  npm install --silent --no-audit --no-fund --prefix "$tools/npm" "axe-core@$AXE_CORE_VERSION" >/dev/null
fi

# The official OpenAI Python SDK, to check that the local endpoint answers it as Azure does.
OPENAI_SDK_VERSION=3.57.0
if ! "$tools/venv/bin/python" -c "import sys, openai; sys.exit(openai.__version__ != '$OPENAI_SDK_VERSION')" 2>/dev/null; then
  say "installing the openai Python SDK $OPENAI_SDK_VERSION (private virtualenv in .tools/venv)"
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check "openai==$OPENAI_SDK_VERSION"
fi

# cargo-fuzz only for `./dev fuzz`, which asks with --fuzz.
CARGO_FUZZ_VERSION=0.13.2
if [ "${1:-}" = "--fuzz" ] && ! "$tools/bin/cargo-fuzz" --version 2>/dev/null | grep -qF " $CARGO_FUZZ_VERSION"; then
  say "building cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install --quiet --locked --root "$tools" --target-dir "$tools/build" cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi

# The build tree of the tools is only needed while installing them.
rm -rf "$tools/build"

say "ready: trunk $TRUNK_VERSION, wasm-bindgen $WASM_BINDGEN_VERSION, binaryen $BINARYEN_VERSION, openai $OPENAI_SDK_VERSION, axe-core $AXE_CORE_VERSION, geckodriver $GECKODRIVER_VERSION, $(chromium --version 2>/dev/null), $(firefox-esr --version 2>/dev/null), WebKitGTK $(dpkg-query -W -f '${Version}' webkit2gtk-driver 2>/dev/null)"
