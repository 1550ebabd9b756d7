"""Structured review forms (周报 / 月度述职): definitions, answers, timing, storage and jobs."""
