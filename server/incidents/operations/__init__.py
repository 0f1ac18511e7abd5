"""The incidents domain's operations: reports and drafts, signing and review, amendments, CCTV retention."""
