"""Test helpers: naive reference implementations and backend cases. Used by tests only."""
