"""The apidocs Service: the OpenAPI document of the whole public API, and a page to read it."""
