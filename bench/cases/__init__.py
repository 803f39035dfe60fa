"""The benchmarks, one module per benchmark or family; each registers its functions with
`bench.harness.register`. Importing this package registers them all, in suite order: the order of the
imports below is the order of the table's rows (and of `python -m bench.run --list`)."""
from bench.cases import mmp_ingest, fts_flows, queries, memory, figure_payload  # noqa: F401
from bench.cases import callback_e2e, page_load, fts_world, objectstore, caching  # noqa: F401
from bench.harness import BENCHMARKS

__all__ = ["BENCHMARKS"]
