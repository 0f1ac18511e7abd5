"""Emergencies, the four phases (seeds 000, 004): preparedness (plans, drills, fire checks, supplies) and live emergencies."""
