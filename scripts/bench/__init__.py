"""Benchmarks: each prints a table of figures measured side by side and writes JSON."""
