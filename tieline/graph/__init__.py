"""Stakeholder graph and pure relationship/health scoring; see issue #4."""
