"""The media Service: uploads (direct and presigned), info, bytes with ranges, delete."""
