"""notes: see the package docstring."""
