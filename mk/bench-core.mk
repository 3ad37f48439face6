# `make bench-core`: the Rust core's benchmark (crates/patdesk-core/examples/bench_core.rs), in release mode,
# against an in-process simulator on loopback. It prints the figures recorded in BENCHMARKS.md ("Core");
# it asserts nothing about speed, it only measures and compares with the targets.
# BENCH_CORE_ARGS passes options through, e.g. `make bench-core BENCH_CORE_ARGS=--sequential-full`.
.PHONY: bench-core
bench-core:
	cargo run --release -p patdesk-core --example bench_core -- $(BENCH_CORE_ARGS)
