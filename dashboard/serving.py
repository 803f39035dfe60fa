"""What a server process does before it imports anything else: keep Arrow (and hypothesis) out of it.

pandas 3 imports pyarrow whenever it is installed. In a server process that costs the library (67 MB
resident in every process) and Arrow's memory pool (about 60 MB more after the tables are read), for
tables of a few MB that the server only reads. When fastparquet is installed (a dependency), the entry
points (`dashboard.wsgi`, `python -m dashboard`) call `keep_arrow_out()` first: pyarrow then cannot be
imported in that process, pandas keeps text in its own `str` arrays, and `ingest.storage.parquet` reads
the tables with fastparquet, to the same frames. Measured with `python -m bench.probe_memory --mode app`
(the snapshot loaded, after a collection): 305 MB resident with Arrow, 179 MB without.

The ingest, the tests and any process that imported pandas already keep pyarrow (it writes the tables).
HUMDASH_ARROW=1 keeps it in the server too.

`keep_test_libraries_out()`: pandera loads hypothesis (its data-synthesis strategies) whenever it is
installed, as it is with the test extras; a server only validates tables. Kept out, a worker of a test
install holds what a worker of a production install holds (hypothesis and what it pulls in: 5 MiB).
"""
from __future__ import annotations

import importlib.util
import sys

from dashboard.settings import settings


def keep_arrow_out() -> bool:
    """Make pyarrow unimportable in this process when that is safe; True when it is kept out.

    Safe means: nothing has imported pyarrow or pandas yet (pandas decides at import which text arrays
    to use), fastparquet is installed to read the tables, and HUMDASH_ARROW is not "1"."""
    if sys.modules.get("pyarrow", "absent") is None:
        return True  # already kept out
    if settings().arrow == "1" or "pyarrow" in sys.modules or "pandas" in sys.modules:
        return False
    if importlib.util.find_spec("fastparquet") is None:
        return False
    sys.modules["pyarrow"] = None  # type: ignore[assignment]  # `import pyarrow` now raises ImportError
    return True


TEST_ONLY = ("hypothesis",)


def keep_test_libraries_out() -> list[str]:
    """Make the libraries that only tests use unimportable in this process, where nothing imported them
    yet; the names kept out. Their importers fall back as when they are not installed (pandera:
    `except ImportError`, no strategies)."""
    out = []
    for name in TEST_ONLY:
        if sys.modules.get(name) is None:  # not imported yet, or kept out already
            sys.modules[name] = None  # type: ignore[assignment]
            out.append(name)
    return out
