"""Retrieval: hybrid dense + BM25 search over the index, the scope decision and follow-up questions."""
