"""Dash dashboard for OCHA FTS funding and IOM Missing Migrants data; reads tables through ingest.store."""
