"""Generated answers through an OpenAI-compatible endpoint, every sentence verified before it is shown."""
