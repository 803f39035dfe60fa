"""`status` and `verify`: what the data directory and the bundled snapshot hold, and whether every
file matches its manifest. Each prints its report and returns the exit status."""
from __future__ import annotations

import sys
from pathlib import Path

from .storage.local import Store
from .storage.open import open_store, snapshot_dir


def status(data_dir: Path | str) -> int:
    """Print the current version's tables with provenance; 1 when a table is damaged or the pointer lost."""
    problems: list[str] = []
    for label, store in (("ingested", open_store(data_dir)), ("bundled snapshot", Store(snapshot_dir()))):
        manifest = store.manifest()
        print(f"{label}: {store.label}" + (f" (version {manifest.get('version')})" if manifest else " (empty)"))
        for name, entry in manifest.get("tables", {}).items():
            dates = sorted({str(i.get("retrieved_at") or "unknown")[:10] for i in entry.get("inputs", [])})
            print(f"  {name}: {entry['rows']:,} rows, {entry['source']}, {entry['licence']}, "
                  f"retrieved {', '.join(dates) or 'unknown'}")
        problems += [f"{label}: {line}" for line in store.problems()]
    for line in problems:
        print(f"ingest status: {line}; run `python -m ingest verify`", file=sys.stderr)
    return 1 if problems else 0


def verify(data_dir: Path | str) -> int:
    """Print every version's files checked against its manifest; 1 when any is damaged or the pointer lost."""
    ok = True
    for label, store in (("ingested", open_store(data_dir)), ("bundled snapshot", Store(snapshot_dir()))):
        lines, fine = store.verify_report()
        ok = ok and fine
        print(f"{label}: {store.label}" + ("" if lines else " (empty)"))
        for line in lines:
            print(f"  {line}")
    if not ok:
        print("ingest verify: damaged data (see DAMAGED above); the app serves each damaged table from the newest "
              "version where it is intact; re-run the ingest of its source to replace it", file=sys.stderr)
    return 0 if ok else 1
