"""The indexer event function: keeps the search index in line with PostgreSQL."""
