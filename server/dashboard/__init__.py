"""The dashboard: one page per role, composed from the floors below."""
