"""The wire format between agent and collector: one definition, imported by both sides."""
