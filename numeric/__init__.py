"""Numeric layer: vectorized NumPy/SciPy samplers that test the bounds on random instances.

Work in progress: see the project's issues.  Nothing is exported yet.
"""
