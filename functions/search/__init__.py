"""The search Service: tweets (full text), users (prefix and fuzzy), trending hashtags."""
