"""Rules: the declarative boilerplate rules (rules/*.yaml), their loading and their matching."""
