"""The webhook's mutation done at build time: which pod templates to change, and how."""
