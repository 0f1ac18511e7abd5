"""Notices to guardians queued by the domains (an abnormal 晨检, …) for the parent loop to deliver."""
