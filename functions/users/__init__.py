"""The users Service: registration, login and tokens, profiles, and the follow graph."""
