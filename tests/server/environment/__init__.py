"""Tests of environment monitoring (server side)."""
