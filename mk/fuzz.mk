# Fuzzing (fuzz/, cargo-fuzz on the nightly toolchain): one target per parser of what a server or a file sends
# (the PAT list and SessionTokens JSON, WWW-Authenticate and the NTLM challenge, rate-limit headers, server
# addresses, handoffs.json, settings.json), each running an entry point of patdesk-core's `fuzzing` module.
#   make fuzz        each target for FUZZ_SECONDS (default 600), one after the other; the inputs tried and crashes
#                    found go to target/fuzz-figures.md (recorded in BENCHMARKS.md)
#   make fuzz-smoke  each target over its seeds and kept crashes, then FUZZ_SMOKE_SECONDS (default 5) of fuzzing
# FUZZ_TARGETS="server_address settings_json" limits either to some targets. cargo-fuzz goes to .tools/.
# `make deny`: cargo-deny's offline checks (bans, licenses, sources) against deny.toml.
CARGO_FUZZ := $(TOOLS)/bin/cargo-fuzz
CARGO_FUZZ_VERSION := 0.13.2
CARGO_DENY := $(TOOLS)/bin/cargo-deny
CARGO_DENY_VERSION := 0.20.2
FUZZ_TOOLCHAIN ?= nightly
export FUZZ_TOOLCHAIN

.PHONY: fuzz fuzz-smoke fuzz-tools deny

fuzz-tools: $(CARGO_FUZZ)
	@rustup run $(FUZZ_TOOLCHAIN) rustc --version >/dev/null 2>&1 || rustup toolchain install $(FUZZ_TOOLCHAIN) --profile minimal

$(CARGO_FUZZ):
	nice -n 19 cargo install cargo-fuzz --locked --version $(CARGO_FUZZ_VERSION) --root $(TOOLS)

fuzz: fuzz-tools
	@fuzz/run.sh bench

fuzz-smoke: fuzz-tools
	@fuzz/run.sh smoke

$(CARGO_DENY):
	nice -n 19 cargo install cargo-deny --locked --version $(CARGO_DENY_VERSION) --root $(TOOLS)

# Bans, licenses and sources need Cargo.lock and the crates' manifests for every platform (cargo fetches those
# from crates.io once; `--offline` fails where a Windows- or Android-only crate was never downloaded). The
# advisory check needs a clone of the RustSec database from GitHub (`$(CARGO_DENY) check advisories` where
# GitHub is reachable).
deny: $(CARGO_DENY)
	$(CARGO_DENY) check bans licenses sources
