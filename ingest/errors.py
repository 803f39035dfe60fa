"""Expected failures: a message for the user, never a traceback."""
from __future__ import annotations

import re
from pathlib import Path


class IngestError(Exception):
    """An expected failure. The message names the URL or file, the row or field, and what to do."""


MESSAGE_LIMIT = 300
# An absolute path in a message: starts with "/" not preceded by a word, a dot, ":" or "/" (so URLs stay whole).
_ABSOLUTE = re.compile(r"(?<![\w.:/~-])/(?:[^\s/:'\"()\[\],;`]+/)*[^\s/:'\"()\[\],;`]*")


def display_path(path: str | Path) -> str:
    """A path as shown to users: relative to the working directory when inside it, else its name
    (messages never show where a server keeps its files)."""
    path = Path(path)
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.relative_to(Path.cwd())) or "."
    except ValueError:
        return path.name or str(path)


def for_user(message: str, limit: int = MESSAGE_LIMIT) -> str:
    """A message fit to print: absolute paths shortened (`display_path`), and at most about `limit`
    characters, cut in the middle with an ellipsis so the start (which file) and the end (what to do) stay."""
    text = _ABSOLUTE.sub(lambda m: display_path(m.group(0)) if len(m.group(0)) > 1 else m.group(0), message)
    if len(text) > limit:
        head = limit * 2 // 3
        text = text[:head] + " … " + text[-(limit - head - 3):]
    return text
