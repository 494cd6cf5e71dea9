"""Persistence: SQLAlchemy 2.0 models, repository functions, engines and migrations."""
