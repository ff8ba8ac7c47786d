"""services/manager."""
