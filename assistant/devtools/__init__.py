"""Developer tools: evaluation against question sets, the benchmark and the load test."""
