"""The timeline Service: home and user timelines, read from Redis and rebuilt from SQL."""
