"""Directory: the region tree and service stations, as people and staff look them up."""
