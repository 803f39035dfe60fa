"""Parsers for each data source: fetch, parse and tidy into the validated tables in ingest.schemas."""
