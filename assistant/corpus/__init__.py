"""The corpus: Markdown digests of the guidance, parsed into documents and sections, and checked."""
