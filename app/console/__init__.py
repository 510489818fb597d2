"""The staff web console: server-rendered pages over the services (issue 17)."""
