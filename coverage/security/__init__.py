"""Defences that sit in front of the desk's views: log-in and password-reset throttling,
security and caching headers."""
