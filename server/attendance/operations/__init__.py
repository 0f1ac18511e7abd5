"""Attendance's operations, the only code that writes its records, one module a job.

`credentials` (cards, PINs, phones), `roster` (the signed roster kiosks verify offline), `kiosk_events`
(check-ins and check-outs from the kiosks), `presence` (who is in now), `absences` (why a child is away).
Room moves and ratios are in `server/attendance/rooms/operations`.
"""
