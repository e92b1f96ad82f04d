"""Protocol Playground: the Django project and app (a thin adapter over `protocols/`)."""
