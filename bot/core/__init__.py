"""Pure maths and parsing: clock, periods, working calendar, pace, splits, metrics, settings. No I/O."""
