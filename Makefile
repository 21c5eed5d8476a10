# The everyday commands. The two set-up commands are ./scripts/run and ./scripts/test (README).
.PHONY: run test bench bench-quick mutants

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

# Mutation testing of the engine, the services and the import's checks (docs/testing.md; slow,
# not part of CI). One module: make mutants MODULE=courses/services.py; the committed code
# rather than the work tree: make mutants FROM=HEAD
mutants:
	./scripts/mutants $(if $(FROM),--from $(FROM)) $(MODULE)
