"""The wire vocabulary: what devices and the server say to each other, one module per format.

The only part of ``devices`` the server imports. It imports nothing of ours (no ``hardware``, no other
``devices`` module), so a format can be read the same on a Pi and on the server.
"""
