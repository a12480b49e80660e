"""The notifications Service: a user's notifications, unread count, and marking them read."""
