"""The index: chunks and sentences embedded into Chroma, a CJK-aware BM25, built in atomic generations."""
