"""Where tidy tables live: versioned, checked, with a provenance manifest; in a folder or an object store.

    layout.py     names: version folders, their order, the files of a version
    integrity.py  checking a table's bytes against its manifest entry
    manifest.py   the manifest records (a table's entry, a version's manifest, an input)
    backend.py    where bytes live: a local folder or an object store (fsspec), behind one small interface
    versions.py   what both stores do alike over that interface: find, check, read, write and prune versions
    local.py      Store: a local data directory (symlinked pointer, writer lock, the flat snapshot)
    objects.py    ObjectStore: an object store URL (CURRENT pointer object, conditional PUT)
    open.py       which store a --data-dir names, and the tables the dashboard loads

`ingest.store` and `ingest.objectstore` re-export the public names.
"""
