# PAT Desk: the two commands a newcomer needs are `make run` (open the app) and `make test` (run every test).
# Both install what is missing first (Debian packages, npm packages, tauri-driver under .tools/), so they work
# on a fresh Debian 12 machine. Other makefiles in mk/ (bench-core.mk, bench-app.mk, bench-sizes.mk) add their own targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

TOOLS := $(CURDIR)/.tools
TAURI_DRIVER := $(TOOLS)/bin/tauri-driver
TAURI_DRIVER_VERSION := 2.1.0
APP_BIN := target/debug/patdesk
# A virtual X display big enough for the 1100×720 window; `-a` picks a free display number.
XVFB := xvfb-run -a -s "-screen 0 1280x800x24"
# WebKitGTK on a virtual display without a GPU: software rendering, no DMA-BUF, lighter on memory.
export WEBKIT_DISABLE_DMABUF_RENDERER ?= 1
export WEBKIT_DISABLE_COMPOSITING_MODE ?= 1
export LIBGL_ALWAYS_SOFTWARE ?= 1

-include mk/*.mk

.PHONY: help deps system-deps ui-deps tools ui app run demo package icons test check-tools fmt-check clippy \
        test-rust test-generated-types test-any-date test-clipboard test-keychain test-ui-check test-ui e2e \
        test-package bench windows package-windows test-windows test-package-windows

help:
	@echo "make run     build and open PAT Desk (PATDESK_DEMO=1 make run, or make demo, opens the offline demo)"
	@echo "make test    install what is missing, then every check and test (CI runs this through .ci/run)"
	@echo "make package the Debian package, target/release/bundle/deb/pat-desk_<version>_<arch>.deb (make icons remakes icons/)"
	@echo "make windows the Windows build (patdesk.exe, patdesk-cli.exe) in target/windows/x86_64-pc-windows-gnu/release"
	@echo "make package-windows  the Windows installer and zip in target/windows/bundle"
	@echo "make fuzz    each fuzz target for 10 minutes (FUZZ_SECONDS), inputs tried and crashes found in target/fuzz-figures.md"
	@echo "make bench   benchmarks: bench-core (the Rust core), bench-app (the app beside a bare Tauri app), bench-sizes (what ships, Linux and Windows)"
	@echo "Steps of make test: fmt-check clippy deny test-rust test-generated-types test-any-date fuzz-smoke test-clipboard test-keychain test-ui-check test-ui e2e test-package test-windows test-package-windows"

## ---- installing what is missing ------------------------------------------------------------------------

deps: system-deps ui-deps

system-deps:
	@scripts/install-system-deps.sh
	@scripts/windows/install-deps.sh

# npm ci only when node_modules is missing or older than the lockfile.
ui-deps: ui/node_modules
ui/node_modules: ui/package-lock.json
	@scripts/check-toolchain.sh
	cd ui && npm ci --no-audit --no-fund
	@touch $@

# The project's own tools live in the git-ignored .tools/, never in the user's ~/.cargo.
tools: $(TAURI_DRIVER)
$(TAURI_DRIVER):
	cargo install tauri-driver --locked --version $(TAURI_DRIVER_VERSION) --root $(TOOLS)

## ---- building and running -----------------------------------------------------------------------------

# Tauri embeds ui/dist at compile time: the UI is built before the app (again only when a source changed).
UI_SOURCES := $(shell find ui/src ui/public -type f 2>/dev/null) $(wildcard ui/*.html ui/*.ts ui/*.js ui/*.json)
ui: deps ui/dist/index.html
ui/dist/index.html: $(UI_SOURCES) ui/node_modules
	npm --prefix ui run build
	@touch $@

app: ui
	cargo build -p patdesk

run: app
	@scripts/run-app.sh $(APP_BIN)

demo:
	PATDESK_DEMO=1 $(MAKE) --no-print-directory run

## ---- packaging ----------------------------------------------------------------------------------------

# The .deb, through the Tauri bundler (the Tauri CLI of ui/node_modules): a release build with ui/dist embedded,
# then the package with the icons, menu entry and dependencies of src-tauri/tauri.conf.json.
package: ui
	@scripts/package.sh

# The icon set in icons/ made again from its one source, icons/patdesk.svg (commit the result).
icons: ui-deps
	@scripts/make-icons.sh

## ---- Windows (cross-built on Debian, run under Wine; see scripts/windows/) -------------------------------

# patdesk.exe and patdesk-cli.exe, release, with Debian's Rust toolchain and mingw-w64 (scripts/windows/env.sh).
windows: ui
	@scripts/windows/build.sh

# The installer (NSIS, per user) and the portable zip, in target/windows/bundle/.
package-windows: windows
	@scripts/windows/package.sh

## ---- testing ------------------------------------------------------------------------------------------

# Every step below, in this order, stopping at the first failure; ends with "N passed, N failed".
test:
	@scripts/test-all.sh

fmt-check:
	cargo fmt --all --check

clippy: ui
	cargo clippy --workspace --all-targets -- -D warnings

test-rust: ui
	cargo test --workspace --exclude patdesk-e2e

# test-rust rewrote the ts-rs types in ui/src/lib/generated (`export_bindings`): they must be the committed ones,
# with no file changed or added.
test-generated-types:
	@untracked=$$(git ls-files --others --exclude-standard -- ui/src/lib/generated); \
	if ! git --no-pager diff --exit-code -- ui/src/lib/generated || [ -n "$$untracked" ]; then \
		[ -z "$$untracked" ] || printf 'not in git: %s\n' $$untracked; \
		echo "the generated TypeScript types differ from the Rust types: commit ui/src/lib/generated"; \
		exit 1; \
	fi; \
	echo "ui/src/lib/generated matches the Rust types"

# The same Rust test binaries with the clock a year ahead and a year behind (libfaketime): no test may depend
# on the day it runs.
test-any-date: ui
	@scripts/test-any-date.sh

# The clipboard service against a real X clipboard.
test-clipboard:
	$(XVFB) cargo test -p patdesk-core --test clipboard

# Every `--test keychain*` target of the workspace, inside a private D-Bus session with an unlocked
# throw-away gnome-keyring.
test-keychain:
	@scripts/test-keychain.sh

test-ui-check: ui-deps
	npm --prefix ui run check

test-ui: ui-deps
	npm --prefix ui test

# The real app window driven through tauri-driver + WebKitWebDriver under Xvfb (tests/e2e).
e2e: app tools
	cargo test -p patdesk-e2e --no-run
	$(XVFB) cargo test -p patdesk-e2e -- --test-threads=1

# The .deb installed on this machine (apt-get, as root or through sudo), its menu entry and icons checked, the
# installed app driven through WebDriver under Xvfb, then the package removed (tests/e2e/tests/installed_package.rs).
test-package: package tools
	cargo test -p patdesk-e2e --test installed_package --no-run
	$(XVFB) cargo test -p patdesk-e2e --test installed_package -- --ignored --test-threads=1

# Every core, simulator and CLI test binary built for Windows, run under Wine in a fresh prefix.
test-windows: system-deps
	$(XVFB) scripts/windows/test.sh

# The release patdesk.exe under Wine (its icon and version resources; the plain message, not a crash, when the
# WebView2 runtime is missing or unusable), then the installer: silent and by the keyboard, the installed app's
# WebView2 message, the uninstaller leaving nothing behind, and the zip. Each script starts its own Xvfb.
test-package-windows: package-windows
	scripts/windows/test-webview2-message.sh target/windows/x86_64-pc-windows-gnu/release/patdesk.exe
	scripts/windows/test-installer.sh

## ---- benchmarks (figures go to BENCHMARKS.md; never assertions) -----------------------------------------

bench: bench-core bench-app bench-sizes
