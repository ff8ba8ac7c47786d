"""services/registry."""
