"""The collector's web page (`GET /`): a login scoped to a unit, and server-rendered pages."""
