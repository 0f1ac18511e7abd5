"""Backups of the records and the instance folder, their verification and restore (docs/deploy.md)."""
