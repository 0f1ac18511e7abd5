"""Care on the room tablet: naps and their patrol checks, meals, bottles, diapers, outdoor time, medication."""
