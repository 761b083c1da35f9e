"""Use cases: one transaction each, ticket changes through its rules, what must be sent."""
