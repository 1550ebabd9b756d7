"""Outbound delivery: the outbox, the shared rate limiter and addressing."""
