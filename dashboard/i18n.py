"""Translation hooks: every visible string goes through `_()` (identity until gettext lands).

A later issue adds Spanish through gettext; then `_` becomes the bound `gettext` of the request's
language. Strings kept in module-level tables are marked with `N_()` (no-op) and translated with
`_()` where they are shown, so switching language per request will work without re-importing.
"""
from __future__ import annotations


def _(text: str) -> str:
    """Translate `text` (identity for now)."""
    return text


def N_(text: str) -> str:  # noqa: N802 - the gettext convention
    """Mark `text` for translation without translating it yet (for module-level tables)."""
    return text


def ngettext(singular: str, plural: str, n: int) -> str:
    """Singular or plural form for `n` (English rule for now)."""
    return singular if n == 1 else plural
