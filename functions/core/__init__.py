"""Code every function shares: configuration, stores, auth, errors, routing, ids."""
