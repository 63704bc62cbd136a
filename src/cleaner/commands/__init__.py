"""The command line: clean, check, explain, eval and rules."""
