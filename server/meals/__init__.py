"""Meals (issue #18): the weekly menu with quantities (带量食谱) published to families, and the monthly 膳食费 publication."""
