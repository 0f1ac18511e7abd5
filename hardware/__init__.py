"""Drivers for the kiosk and the device agents (camera, QR, GPIO), each with a faithful fake."""
