"""Statistics against the year's targets: figures per region subtree (issue 17)."""
