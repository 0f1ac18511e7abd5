"""Environment sensor drivers (SCD4x, PMS5003, WZ-S, DS18B20), each with a faithful fake."""
