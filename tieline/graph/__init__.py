"""Stakeholder graph and pure relationship/health scoring; see issue #4.

Submodules (import them directly; this package imports nothing heavy):

- ``tieline.graph.stakeholders`` — ``stakeholder_graph()`` builds the networkx graph of
  people and interactions as of a date; ``account_subgraph()`` cuts out one account.
- ``tieline.graph.roles`` — ``infer_roles()``: champion, economic buyer, power user, user.
- ``tieline.graph.strength`` — ``person_strength()`` and ``pair_strength()``: 1-5 scores
  with components, weights and evidence.
- ``tieline.graph.accounts`` — ``account_relationships()``: account score, breadth,
  executive coverage and the single-threaded / gone-dark / departed-champion / ghost flags.
- ``tieline.graph.health`` — the health-score blend.
"""
