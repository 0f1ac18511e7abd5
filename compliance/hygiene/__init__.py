"""Hygiene and disinfection (表6, UV lamps, ventilation, tableware): evidence records for the evaluators."""
