"""Answers: the answer model, the extractive answerer, grounding and verification, the LLM path."""
