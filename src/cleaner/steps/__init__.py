"""Steps: what runs on each document between parsing and writing (strippers, filters)."""
