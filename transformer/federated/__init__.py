"""Federated identity credentials: the plan of which identity trusts which ServiceAccount, and its renderers."""
