"""Health: 晨午检 and follow-ups, the health profile and growth, illness and exclusion (表4)."""
