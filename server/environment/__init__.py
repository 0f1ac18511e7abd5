"""Environment and safety monitoring: telemetry ingest, roll-ups, thresholds, alerts, charts, registers."""
