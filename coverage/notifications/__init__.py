"""Notifications: in-app notices, the email outbox the worker sends, and each user's choices."""
