"""Compliance packs: a signed ZIP an inspector can verify offline / 合规资料包.

Import the builder from ``compliance.pack.build`` and the verifier from
``compliance.pack.verify``. This package file stays empty on purpose so that
``python -m compliance.pack.verify`` does not load ReportLab.
"""
