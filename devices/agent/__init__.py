"""The sensor and safety-monitor agent of one Pi.

``core`` is the loop, ``build`` wires it from ``config`` (the TOML file), ``enrol`` gets its identity from
the server, ``fakes`` wires the safety inputs of a simulated site.
"""
