"""Where bytes live: a local folder (`LocalFiles`) or an object store URL (`ObjectFiles`, any fsspec
URL such as s3://bucket/prefix), behind the few operations the stores need. Keys are paths under
`root`: `pathlib.Path` locally, `PurePosixPath` (bucket/prefix/...) in an object store."""
from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import shutil
from pathlib import Path, PurePath, PurePosixPath
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

from ..errors import IngestError
from .integrity import sha256_file, table_problem

K = TypeVar("K", bound=PurePath)
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_NO_LISTING_CACHE = {"s3", "s3a", "gs", "gcs", "abfs", "az", "adl"}

log = logging.getLogger("ingest.objectstore")


def is_url(location: Any) -> bool:
    """True for an object store URL (scheme://...), False for a local path."""
    return isinstance(location, str) and bool(_URL.match(location))


def location(text: str | Path) -> str | Path:
    """A --data-dir / HUMDASH_DATA_DIR value: a URL stays a string, anything else is a Path."""
    return text if isinstance(text, str) and is_url(text) else Path(text)


def redact(url: str) -> str:
    """`url` as shown to people and logs: no user info (credentials), query or fragment."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def shown(data_dir: str | Path) -> str:
    """A data directory as logged and shown: a URL without credentials, a path as it is."""
    return redact(data_dir) if isinstance(data_dir, str) and is_url(data_dir) else str(data_dir)


def describe(exc: BaseException) -> str:
    """One line saying what went wrong talking to the object store (no credentials in it)."""
    name = type(exc).__name__
    text = str(exc).splitlines()[0] if str(exc) else name
    if isinstance(exc, FileNotFoundError):
        return f"not found ({text})"
    if isinstance(exc, PermissionError) or name in ("NoCredentialsError", "PartialCredentialsError"):
        return f"access denied ({text}); check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the AWS profile"
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ClientConnectorError"):
        return f"cannot connect ({text}); check AWS_ENDPOINT_URL"
    return text


class Files(Generic[K]):
    """The operations on stored bytes that both stores use; `label` names the store in messages."""

    root: K
    label: str
    errors: tuple[type[BaseException], ...] = (OSError,)
    """What may go wrong after a version was made current (reported as a warning, not raised)."""

    def shown(self, key: K) -> str:
        """A key as shown to users: relative to the store's root."""
        try:
            return str(PurePath(key).relative_to(self.root))
        except ValueError:
            return str(key)

    def where(self, key: K) -> str:
        """A key as named in an error: a full path or URL."""
        raise NotImplementedError

    def describe(self, exc: BaseException) -> str:
        """An exception as quoted in an error message."""
        return describe(exc)

    def reason(self, exc: BaseException) -> str:
        """Why a read or write failed, in a few words."""
        return describe(exc)

    def exists(self, key: K) -> bool:
        raise NotImplementedError

    def get(self, key: K) -> bytes:
        raise NotImplementedError

    def put(self, key: K, data: bytes) -> None:
        raise NotImplementedError

    def fetch(self, key: K, entry: dict[str, Any], check: bool = True) -> tuple[Any, str | None]:
        """(what pandas reads the table at `key` from, None when it cannot be read; what is wrong with it
        against its manifest `entry`, None when intact or not `check`ed)."""
        raise NotImplementedError

    def write_table(self, key: K, frame: pd.DataFrame) -> tuple[int, str]:
        """Write `frame` as Parquet at `key`: (its size in bytes, its sha256)."""
        raise NotImplementedError

    def copy(self, source: K, target: K) -> int | None:
        """Copy one file; its new size when known without another request."""
        raise NotImplementedError

    def remove(self, folder: K) -> None:
        """Remove a folder and everything below it (best effort)."""
        raise NotImplementedError


class LocalFiles(Files[Path]):
    """A local data directory."""

    def __init__(self, root: Path) -> None:
        self.root, self.label = root, str(root)

    def where(self, key: Path) -> str:
        return str(key)

    def describe(self, exc: BaseException) -> str:
        return str(exc)

    def reason(self, exc: BaseException) -> str:
        return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)

    def exists(self, key: Path) -> bool:
        return key.exists()

    def get(self, key: Path) -> bytes:
        return key.read_bytes()

    def put(self, key: Path, data: bytes) -> None:
        key.parent.mkdir(parents=True, exist_ok=True)
        key.write_bytes(data)

    def fetch(self, key: Path, entry: dict[str, Any], check: bool = True) -> tuple[Any, str | None]:
        try:
            size = key.stat().st_size
        except FileNotFoundError:
            return None, "file missing"
        except OSError as exc:
            return None, f"cannot read ({exc.strerror})"
        if not check:
            return key, None
        try:
            return key, table_problem(entry, size, lambda: sha256_file(key), key)
        except OSError as exc:
            return key, f"cannot read ({exc.strerror})"

    def write_table(self, key: Path, frame: pd.DataFrame) -> tuple[int, str]:
        frame.to_parquet(key, index=False)
        return key.stat().st_size, sha256_file(key)

    def copy(self, source: Path, target: Path) -> int:
        copy_file(source, target)
        return target.stat().st_size

    def remove(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)


def copy_file(source: Path, target: Path) -> None:
    """Copy a file's bytes into a new file (a reflink or in-kernel copy where the system offers one)."""
    with open(source, "rb") as src, open(target, "xb") as dst:
        size = os.fstat(src.fileno()).st_size
        try:
            done = 0
            while done < size:
                n = os.copy_file_range(src.fileno(), dst.fileno(), size - done)
                if n == 0:
                    break
                done += n
            if done == size:
                return
        except (AttributeError, OSError):
            pass
        src.seek(0)
        dst.seek(0)
        dst.truncate()
        shutil.copyfileobj(src, dst, 1 << 20)


class ObjectFiles(Files[PurePosixPath]):
    """The objects under one fsspec URL (s3://bucket/prefix, memory://..., file://...)."""

    errors = (Exception,)

    def __init__(self, url: str) -> None:
        self.url = self.label = redact(url.rstrip("/"))
        try:
            import fsspec
        except ImportError:  # pragma: no cover - fsspec comes with s3fs
            raise IngestError(f"{self.url}: an object store needs fsspec and s3fs: pip install 'humdash[s3]'") from None
        protocol = url.split("://", 1)[0].lower()
        options: dict[str, Any] = {"use_listings_cache": False} if protocol in _NO_LISTING_CACHE else {}
        if protocol == "file":
            options["auto_mkdir"] = True
        try:
            self.fs, path = fsspec.core.url_to_fs(url.rstrip("/"), **options)
        except ImportError as exc:
            raise IngestError(f"{self.url}: {protocol}:// needs an extra package ({exc}); for S3: "
                              "pip install 'humdash[s3]'") from None
        except Exception as exc:
            raise IngestError(f"{self.url}: cannot open ({describe(exc)})") from None
        self.root = PurePosixPath(path.rstrip("/") or "/")
        self.conditional = protocol in ("s3", "s3a")

    def where(self, key: PurePosixPath) -> str:
        return f"{self.url}/{self.shown(key)}"

    def exists(self, key: PurePosixPath) -> bool:
        return self.fs.exists(str(key))

    def get(self, key: PurePosixPath) -> bytes:
        return self.fs.cat_file(str(key))

    def put(self, key: PurePosixPath, data: bytes) -> None:
        self.fs.pipe_file(str(key), data)

    def fetch(self, key: PurePosixPath, entry: dict[str, Any], check: bool = True) -> tuple[Any, str | None]:
        try:
            data = self.get(key)
        except FileNotFoundError:
            return None, "file missing"
        except OSError as exc:
            return None, f"cannot read ({describe(exc)})"
        if not check:
            return io.BytesIO(data), None
        return io.BytesIO(data), table_problem(entry, len(data), lambda: hashlib.sha256(data).hexdigest(),
                                               io.BytesIO(data))

    def write_table(self, key: PurePosixPath, frame: pd.DataFrame) -> tuple[int, str]:
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        data = buffer.getvalue()
        self.put(key, data)
        return len(data), hashlib.sha256(data).hexdigest()

    def copy(self, source: PurePosixPath, target: PurePosixPath) -> None:
        self.fs.copy(str(source), str(target))

    def remove(self, folder: PurePosixPath) -> None:
        try:
            if self.fs.exists(str(folder)):
                self.fs.rm(str(folder), recursive=True)
        except Exception as exc:  # best effort: the next ingest removes it
            log.warning("%s: could not remove %s (%s)", self.url, folder.name, describe(exc))
