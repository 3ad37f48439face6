# `make bench-app`: PAT Desk beside a bare Tauri 2 hello-world (bench/hello), both release builds made the
# same way in this run; figures go to the "App" section of BENCHMARKS.md (never assertions). bench-app runs
# itself inside scripts/with-keyring.sh (a private D-Bus session with a throw-away gnome-keyring) for the
# restored session, so it needs the Debian packages dbus and gnome-keyring, as make test-keychain does.
BENCH_HELLO_DIR := target/bench-hello

.PHONY: bench-app
bench-app: ui tools
	cargo build --release -p patdesk
	cargo build --release --manifest-path bench/hello/Cargo.toml --target-dir $(BENCH_HELLO_DIR)
	cargo build -p patdesk-e2e --bin bench-app
	$(XVFB) target/debug/bench-app --app target/release/patdesk \
	  --hello $(BENCH_HELLO_DIR)/release/patdesk-bench-hello --runs 5 --write BENCHMARKS.md
