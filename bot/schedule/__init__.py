"""Scheduled work: the scheduler, its jobs and the digest chart."""
