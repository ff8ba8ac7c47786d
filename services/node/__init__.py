"""services/node."""
