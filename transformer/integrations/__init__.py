"""The ways in from other tools: the KRM function protocol and lookups in a live cluster."""
