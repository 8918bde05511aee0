"""Retrieval pieces around the index: metadata filters and query-side boosts."""
