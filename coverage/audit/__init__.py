"""The audit log: who did what security-relevant thing, when, and from where (admins read it)."""
