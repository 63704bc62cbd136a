"""Engines: where the steps run (worker processes on this machine, or Ray), and the phases they share."""
