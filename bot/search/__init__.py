"""Tokens, the BM25 index and its saved form, question understanding and ranking."""
