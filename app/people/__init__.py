"""People: persons, households, identity, and the legal basis (consent) for their data."""
