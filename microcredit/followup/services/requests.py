"""requests: see the package docstring."""
