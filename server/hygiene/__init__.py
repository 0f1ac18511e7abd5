"""Hygiene and disinfection (issue #18): the 表6 class checklist, window and cabinet evidence, the UV lamp."""
