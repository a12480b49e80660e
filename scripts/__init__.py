"""Project scripts that are Python (benchmarks); shell scripts sit beside them."""
