"""Text of both scripts: language and script detection, sentences, tokens, question validation."""
