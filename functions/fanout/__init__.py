"""The fanout event function: keeps Redis home and user timelines current from events."""
