"""Reading Parquet with whichever engine the process has.

The ingest writes with pyarrow. The server reads with fastparquet when Arrow was kept out of its process
(`dashboard.serving.keep_arrow_out`): pandas 3 imports pyarrow whenever it can, and Arrow then costs every
server process its library (67 MB resident) and its memory pool (about 60 MB more after a load), for
tables of a few MB. Both engines give the same frame: the same columns, values and dtypes (text columns
come back from fastparquet as `object`; those the file's pandas metadata records as `str` are made `str`,
as pyarrow makes them).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def arrow() -> bool:
    """True when pyarrow can be used in this process (installed, and not kept out)."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def engine() -> str:
    """The engine `read` uses: "pyarrow" when it can be used, else "fastparquet"."""
    return "pyarrow" if arrow() else "fastparquet"


def read(source: Any) -> pd.DataFrame:
    """The table in `source` (a path or a binary file object); raises on a damaged file (many types)."""
    if arrow():
        return pd.read_parquet(source, engine="pyarrow")
    import fastparquet

    parquet = fastparquet.ParquetFile(source)
    return _text_as_str(parquet.to_pandas(), parquet.pandas_metadata or {})


def _text_as_str(frame: pd.DataFrame, pandas_metadata: dict[str, Any]) -> pd.DataFrame:
    """The columns the writing frame held as pandas' `str` dtype (the file's pandas metadata says so) as
    `str` again: fastparquet gives them as `object`, pyarrow as `str`."""
    text = pd.StringDtype(na_value=np.nan)
    for column in pandas_metadata.get("columns", []):
        name = column.get("name")
        if column.get("numpy_type") == "str" and name in frame.columns and frame[name].dtype == object:
            frame[name] = frame[name].astype(text)
    return frame


def footer(source: Any) -> tuple[int, list[str]]:
    """(rows, column names) from the file's footer, without reading its rows; raises on a damaged file."""
    if arrow():
        import pyarrow.parquet as pq

        meta = pq.read_metadata(source)
        return meta.num_rows, list(meta.schema.to_arrow_schema().names)
    import fastparquet

    parquet = fastparquet.ParquetFile(source)
    return int(parquet.count()), list(parquet.columns)
