"""The family's screens on a phone: their children's day, and the way to everything the parent loop offers them."""
