"""Troop deployment timeline simulator: scenario -> SimPy engine -> results -> charts/report."""

__version__ = "0.1.0"
