"""Audit layer: checks that pair each claim with its evidence, and the ``vanishing-minima`` command.

The per-claim checks and verdicts are work in progress (see the project's issues); the command
(:mod:`.cli`) already prints the bounds, the claim registry, assumption decisions and derivations.
"""
