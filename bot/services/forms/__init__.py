"""Review forms (周报 / 述职): definitions, answers, timing and storage."""
