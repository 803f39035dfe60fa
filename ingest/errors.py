"""Expected failures: a message for the user, never a traceback."""


class IngestError(Exception):
    """An expected failure. The message names the URL or file, the row or field, and what to do."""
