"""Translations (gettext through Babel): English (the msgids) and Spanish.

* `_()` translates into the current language; `N_()` only marks a string for extraction (for
  module-level tables, translated with `_()` where shown); `ngettext()` chooses the plural.
* The current language lives in a contextvar, set once per request by `install(server)` (a Flask
  `before_request`), so threads (gunicorn gthread) never see each other's language. Outside a
  request it is English unless set with `use_lang("es")` (tests, scripts).
* How a request's language is chosen (`choose`): `?lang=es|en` in the URL; for Dash's callback
  requests (POST, no query string) the `lang` of the page's address (the Referer, or the `lang`
  in the pages router's query); otherwise the browser's `Accept-Language`; otherwise English.
* Catalogs: `dashboard/locale/<lang>/LC_MESSAGES/messages.po`, compiled `.mo` committed next to it;
  a missing or stale `.mo` is compiled from the `.po` in memory at import (see README "Translations").
"""
from __future__ import annotations

import contextlib
import contextvars
import gettext as _gettext
from io import BytesIO
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"
DEFAULT = "en"
LANGUAGES = ("en", "es")
LANGUAGE_NAMES = {"en": "English", "es": "Español"}

_lang: contextvars.ContextVar[str] = contextvars.ContextVar("humdash_lang", default=DEFAULT)
_explicit: contextvars.ContextVar[bool] = contextvars.ContextVar("humdash_lang_explicit", default=False)


def _load(lang: str) -> _gettext.NullTranslations:
    """The catalog for `lang`: the .mo if it is at least as new as the .po, else the .po compiled now."""
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return _gettext.GNUTranslations(fh)
    if po.exists():
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        buf = BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        buf.seek(0)
        return _gettext.GNUTranslations(buf)
    return _gettext.NullTranslations()


_CATALOGS: dict[str, _gettext.NullTranslations] = {
    lang: (_gettext.NullTranslations() if lang == DEFAULT else _load(lang)) for lang in LANGUAGES}


def normalise(value: Any) -> str | None:
    """'es', 'ES', 'es-CO' -> 'es'; anything else (or a list's first value) -> None."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def current() -> str:
    """The language of the current request (or of `use_lang`)."""
    return _lang.get()


def is_explicit() -> bool:
    """True when the language came from a `lang` in the address (then links carry it on)."""
    return _explicit.get()


def set_lang(lang: str | None, explicit: bool = False) -> None:
    _lang.set(normalise(lang) or DEFAULT)
    _explicit.set(bool(explicit and normalise(lang)))


@contextlib.contextmanager
def use_lang(lang: str, explicit: bool = True) -> Iterator[None]:
    """Run a block in `lang` (tests, scripts)."""
    t1, t2 = _lang.set(normalise(lang) or DEFAULT), _explicit.set(explicit)
    try:
        yield
    finally:
        _lang.reset(t1)
        _explicit.reset(t2)


def _(text: str) -> str:
    """Translate `text` into the current language (the text itself when there is no translation)."""
    if not text:
        return text
    return _CATALOGS[_lang.get()].gettext(text)


def N_(text: str) -> str:  # noqa: N802 - the gettext convention
    """Mark `text` for translation without translating it (module-level tables; `_()` it when shown)."""
    return text


def NP_(context: str, text: str) -> str:  # noqa: N802
    """Mark `text` with a gettext context (module-level tables); show it with `pgettext(context, text)`."""
    return text


def pgettext(context: str, text: str) -> str:
    """Translate `text` in `context` (e.g. "nationality": an adjective, not the plural noun)."""
    return _CATALOGS[_lang.get()].pgettext(context, text) if text else text


def ngettext(singular: str, plural: str, n: int) -> str:
    """Singular or plural form for `n`, translated."""
    return _CATALOGS[_lang.get()].ngettext(singular, plural, n)


def lang_pairs() -> list[tuple[str, str]]:
    """[('lang', 'es')] when links should carry the language on, else []."""
    lang = current()
    return [("lang", lang)] if lang != DEFAULT or is_explicit() else []


def with_lang(href: str) -> str:
    """`href` with the current `lang` added (when links carry it)."""
    pairs = lang_pairs()
    if not pairs or "lang=" in href:
        return href
    return f"{href}{'&' if '?' in href else '?'}lang={pairs[0][1]}"


def choose(args: Any, referrer: str | None, accept: Any) -> tuple[str, bool]:
    """(language, explicit) for a request: `lang` in the URL, then in the Referer, then Accept-Language."""
    lang = normalise(args.get("lang")) if args is not None else None
    if lang:
        return lang, True
    if referrer:
        try:
            lang = normalise(parse_qs(urlsplit(referrer).query).get("lang"))
        except ValueError:
            lang = None
        if lang:
            return lang, True
    best = accept.best_match(list(LANGUAGES)) if accept is not None else None
    return normalise(best) or DEFAULT, False


def install(server: Any) -> None:
    """Set the language at the start of every request of this Flask `server`."""
    from flask import request

    @server.before_request
    def _set_request_language() -> None:
        lang, explicit = choose(request.args, request.referrer, request.accept_languages)
        set_lang(lang, explicit)

    @server.teardown_request
    def _reset_request_language(_exc: BaseException | None = None) -> None:
        set_lang(None)  # the thread (or a test calling functions directly) starts in English again


def localized(layout: Any) -> Any:
    """Wrap a page's `layout(**query)`: a `lang` in the query (Dash's pages router passes the
    address's query) sets the language; `lang` and `headers` are not page filters."""
    if getattr(layout, "_humdash_localized", False) or not callable(layout):
        return layout

    def wrapped(**query: Any) -> Any:
        lang = normalise(query.pop("lang", None))
        query.pop("headers", None)
        if lang:
            set_lang(lang, explicit=True)
        return layout(**query)

    wrapped._humdash_localized = True  # type: ignore[attr-defined]
    wrapped.__doc__ = layout.__doc__
    return wrapped
