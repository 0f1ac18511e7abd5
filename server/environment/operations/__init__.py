"""Environment monitoring's operations, the only code that writes its records.

`ingest` stores device readings and `rollup` their minute and hour means; `evaluate` judges windows against
the rulebook and `stuck` withdraws what a stuck sensor caused; `alerting` opens and closes alerts;
`sensor_states` and `upsert` keep each sensor's latest state; `handlers` take safety and heartbeat events;
`queries` are the authorised reads behind the API and pages.
"""
