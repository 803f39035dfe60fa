"""plotly.js for the browser: a partial bundle (core + bar, scatter, scattergeo + locale es) built by
tools/plotly-bundle from the npm `plotly.js` of the version the Python plotly package ships.

Dash adds plotly's full bundle (package_data/plotly.min.js, ~1.5 MB gzip) to `dcc._js_dist` as an
async resource that dcc.Graph loads on first use; `use_partial_plotlyjs()` points that entry at
`plotly-partial.min.js` here (~0.5 MB gzip), served by Dash's `_dash-component-suites/dashboard.vendor/...`
route with its fingerprint (this package's `__version__` + the file's mtime) and one-year cache, but not
listed in the page: dcc.Graph loads it when a chart is first drawn (assets/charts.js gives it the address
from `plotly_meta()`), and a page with charts preloads it (`preload_links`); the CSP's script-src 'self'
covers it. `HUMDASH_FULL_PLOTLYJS=1` restores Dash's entry (full bundle, lazy-loaded).

`dcc._js_dist` is module-global: the last app created in a process decides for every app in it.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from dashboard.settings import settings

__version__ = "4.1.1"  # the plotly.js version of the bundle (checked against plotly's by the tests)

PARTIAL = "plotly-partial.min.js"
PARTIAL_PATH = Path(__file__).with_name(PARTIAL)
FULL = "package_data/plotly.min.js"
ENV_FULL = "HUMDASH_FULL_PLOTLYJS"


def full_requested() -> bool:
    return settings().full_plotlyjs.lower() not in ("", "0", "false", "no")


def use_partial_plotlyjs(full: bool | None = None) -> bool:
    """Point Dash's plotly.js entry at the partial bundle (or back at the full one when `full`,
    default $HUMDASH_FULL_PLOTLYJS). Returns True when the partial bundle is served."""
    from dash import dcc
    from plotly.offline import get_plotlyjs_version

    full = full_requested() if full is None else full
    if not full and not PARTIAL_PATH.is_file():  # e.g. a checkout without the built file: stay working
        full = True
    # Every dash.Dash() appends its own copy of the plotly entry to the module-global list: keep one, or a
    # process that builds several apps (the tests) would put one <script> per app in the page.
    dist = dcc._js_dist  # pylint: disable=protected-access
    ours = [e for e in dist if (e.get("namespace"), e.get("relative_package_path")) in (("plotly", FULL), (__name__, PARTIAL))]
    extras = {id(e) for e in ours[1:]}
    dist[:] = [e for e in dist if id(e) not in extras]  # by identity: the copies are equal dicts
    for entry in ours[:1]:
        if full:  # Dash's own entry, as dash.Dash._setup_plotlyjs writes it
            entry.pop("dynamic", None)
            entry.update({"namespace": "plotly", "relative_package_path": FULL, "async": "eager",
                          "external_url": f"https://cdn.plot.ly/plotly-{get_plotlyjs_version()}.min.js"})
        else:
            entry.update(namespace=__name__, relative_package_path=PARTIAL)
            entry.pop("external_url", None)  # never a CDN: the full bundle there is not ours
            # Served (with its fingerprint) but not listed in the page: dcc.Graph uses window.Plotly when it
            # is set and otherwise injects a <script> for window._dashPlotlyJSURL, which dash-renderer sets
            # to plotly's full package_data/plotly.min.js; assets/charts.js answers that name with this
            # bundle's address (the <meta> of plotly_meta), so a page without charts (/data, /about) never
            # loads or parses plotly.js, and a page with charts preloads it (preload_links).
            entry.pop("async", None)
            entry["dynamic"] = True
    return not full


def partial_url(prefix: str = "/") -> str | None:
    """The fingerprinted address of the partial bundle as Dash serves it, or None when it is not used."""
    from dash import dcc

    dist = dcc._js_dist  # pylint: disable=protected-access
    if not any(e.get("namespace") == __name__ and e.get("relative_package_path") == PARTIAL for e in dist):
        return None
    return f"{prefix}_dash-component-suites/{__name__}/{_fingerprinted()}"


@lru_cache(maxsize=1)
def _fingerprinted() -> str:
    """The bundle's file name with Dash's fingerprint (read once: the file does not change under a server)."""
    from dash.fingerprint import build_fingerprint

    return build_fingerprint(PARTIAL, __version__, int(PARTIAL_PATH.stat().st_mtime))


def plotly_meta(prefix: str = "/") -> str:
    """<meta name="humdash-plotly"> with the partial bundle's address (read by assets/charts.js), or ""."""
    from html import escape

    url = partial_url(prefix)
    return f'<meta name="humdash-plotly" content="{escape(url)}">' if url else ""


def compress_requested() -> bool:
    """flask-compress on unless $HUMDASH_COMPRESS=0 (only for the benchmark's default-Dash baseline:
    `HUMDASH_FULL_PLOTLYJS=1 HUMDASH_COMPRESS=0`, i.e. Dash's defaults — full plotly.js, no compression)."""
    return settings().compress.lower() not in ("0", "false", "no")


LAZY_COMPONENTS = {"dash_ag_grid": "dash_ag_grid.min.js"}  # namespace -> its main bundle
"""Component libraries only one page uses (/data's AG Grid, 350 kB gzip): Dash would put every imported
library's script into every page. `load_on_demand()` marks the bundle dynamic (Dash still serves it, with
its fingerprint and one-year cache, but does not list it); assets/lazy-components.js stands in for the
library's components and loads the bundle from the address the page's <meta> gives when one is first
drawn."""
LAZY_CHUNKS = {"dash_ag_grid": ("async-community.js",)}  # namespace -> the chunks its bundle loads at once


def load_on_demand() -> dict[str, str]:
    """Mark the LAZY_COMPONENTS bundles dynamic; returns {namespace: fingerprinted address} for the page."""
    import importlib

    from dash.fingerprint import build_fingerprint

    urls = {}
    for namespace, bundle in LAZY_COMPONENTS.items():
        try:
            module = importlib.import_module(namespace)
        except ImportError:  # not installed: nothing to load
            continue
        for resource in module._js_dist:  # pylint: disable=protected-access
            if resource.get("relative_package_path") == bundle:
                resource["dynamic"] = True
        modified = int((Path(module.__file__).parent / bundle).stat().st_mtime)
        urls[namespace] = f"/_dash-component-suites/{namespace}/{build_fingerprint(bundle, module.__version__, modified)}"
    return urls


def lazy_meta(urls: dict[str, str]) -> str:
    """<meta> tags naming each lazily loaded bundle's address (read by assets/lazy-components.js)."""
    from html import escape

    return "".join(f'<meta name="humdash-lazy-{escape(n)}" content="{escape(u)}">' for n, u in sorted(urls.items()))


# dcc components whose code dcc loads on first use (webpack chunks), by component type
ASYNC_CHUNKS = {"Graph": "async-graph.js", "Dropdown": "async-dropdown.js", "DatePickerRange": "async-datepicker.js",
                "DatePickerSingle": "async-datepicker.js", "Slider": "async-slider.js",
                "RangeSlider": "async-slider.js", "Markdown": "async-markdown.js", "Upload": "async-upload.js"}


def component_types(layout: Any) -> set[tuple[str, str]]:
    """(namespace, type) of every component in `layout` (a component tree)."""
    if not hasattr(layout, "_traverse"):
        return set()
    return {(c._namespace, c._type) for c in [layout, *layout._traverse()] if hasattr(c, "_type")}  # not text


def async_chunks(layout: object) -> list[str]:
    """The dcc chunks the components of `layout` load on first use, sorted."""
    return sorted({ASYNC_CHUNKS[kind] for namespace, kind in component_types(layout)
                   if namespace == "dash_core_components" and kind in ASYNC_CHUNKS})


def preload_links(prefix: str, chunks: list[str], bundles: dict[str, str] | None = None) -> str:
    """<link rel=preload> for dcc's chunks and for lazily loaded bundles (`bundles`: namespace -> address,
    as load_on_demand gives them) with the chunks each loads at once: fetched with the page's scripts
    instead of one round trip after the page's layout has arrived. The addresses are the ones dcc's
    loader and lazy-components.js ask for."""
    from html import escape

    urls = [f"{prefix}_dash-component-suites/dash/dcc/{c}" for c in chunks]
    plotly_js = partial_url(prefix) if ASYNC_CHUNKS["Graph"] in chunks else None
    if plotly_js:  # the page draws charts: plotly.js with its other scripts, not once a chart asks for it
        urls.append(plotly_js)
    for namespace, url in sorted((bundles or {}).items()):
        urls.append(prefix + url.lstrip("/"))
        urls += [f"{prefix}_dash-component-suites/{namespace}/{chunk}" for chunk in LAZY_CHUNKS.get(namespace, ())]
    return "".join(f'<link rel="preload" as="script" href="{escape(url)}">' for url in urls)
