"""Staff files: credentials, scans, eligibility for duty, the roster and expiry warnings (one module a job)."""
