"""Shared test support: ledger builders and hypothesis strategies, importable by any test.

- :mod:`~circularity.testing.ledgers`: a small AI-financing ledger written into a folder in the
  bundled layout (``write_sample``), for store and CLI tests.
- :mod:`~circularity.testing.webs`: synthetic ledgers and scenarios built in memory (``entity``,
  ``deal``, ``fin``, ``ledger``, ``scenario``, ``triangle``), for projection tests.
- :mod:`~circularity.testing.strategies`: hypothesis strategies for contagion networks (needs the
  ``test`` extra).

Nothing in the package imports this one; it sits above every layer (docs/architecture.md).
"""
