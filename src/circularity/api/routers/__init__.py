"""API routers, one per topic."""
