# `make bench-sizes`: the sizes of what PAT Desk ships, Linux beside Windows, as the table in the "Sizes" section
# of BENCHMARKS.md (printed, copied there by hand; never an assertion). Builds what is missing first.
.PHONY: bench-sizes
bench-sizes: package package-windows
	@scripts/bench-sizes.sh
