"""The families domain's operations: messages, ratings, complaints (one module each)."""
