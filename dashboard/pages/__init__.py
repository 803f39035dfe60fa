"""One module per page: `layout(**query)` renders the page from its query string, `register(app)`
registers the page with Dash Pages and adds its (thin) callbacks. Component ids are prefixed per page
(ov-, cr-, fund-, mig-, data-, about-)."""
from __future__ import annotations

from dashboard.pages import about, changes, compare, crisis, data, funding, migration, not_found_404, overview

PAGES = [overview, crisis, funding, compare, migration, data, changes, about, not_found_404]
