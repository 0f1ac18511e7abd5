"""The care domain's operations: the only place that writes naps, checks, care entries and outdoor time."""
