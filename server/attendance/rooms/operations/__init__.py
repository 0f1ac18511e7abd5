"""Rooms' operations, the only code that writes their records.

`moves`: who goes to which room, the ratio checked first. `live`: each room's verdict recomputed and kept,
violation intervals opened and closed.
"""
