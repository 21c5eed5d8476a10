"""``make bench``: the push at district scale, measured against PostgreSQL's own bulk-write speed.

``python -m bench`` (what ``make bench`` runs, inside ``bench/run.sh``, which starts a throwaway
PostgreSQL and Redis like the tests' ones) generates districts of three sizes, runs every
measured step in its own process (``bench.steps``), measures PostgreSQL's raw write speed on
copies of the tables the push writes (``bench.raw``), and writes ``docs/performance.md``
(``bench.document``).
"""
