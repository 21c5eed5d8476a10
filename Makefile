# The everyday commands. The two set-up commands are ./scripts/run and ./scripts/test (README).
.PHONY: run test bench bench-quick

run:
	./scripts/run

test:
	./scripts/test

# The push at district scale, measured against PostgreSQL's own bulk-write speed;
# writes docs/performance.md (about 10 minutes; bench-quick: small and medium sizes only).
bench:
	./bench/run.sh

bench-quick:
	./bench/run.sh --quick
