"""The child's health profile: structured allergies, 表5 conditions, the entry exam and growth against WHO 2006."""
