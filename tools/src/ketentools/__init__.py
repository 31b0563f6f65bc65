"""Operator and developer tools: the local stack (`make run`), its demo load, operator commands."""
