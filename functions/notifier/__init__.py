"""The notifier event function: turns CloudEvents into notifications."""
