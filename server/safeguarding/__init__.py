"""Safeguarding: the restricted record of suspected abuse, neglect or corporal punishment of a child (docs/safeguarding.md)."""
