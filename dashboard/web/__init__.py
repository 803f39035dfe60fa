"""The web layer on the app's Flask server: the /api routes and their OpenAPI description, CSV/JSON and
data-package downloads, embeds and images, query-string parameters, security headers, the rate limit,
HTTP caching and the shared answer cache."""
