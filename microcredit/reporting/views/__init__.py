"""The reporting pages, one module per part of the bilan."""
