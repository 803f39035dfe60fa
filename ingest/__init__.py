"""Pull OCHA FTS and IOM Missing Migrants data into validated, tidy pandas tables."""
