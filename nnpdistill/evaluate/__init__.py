"""Evaluation: relaxations, elastic constants, oracles, properties, unseen sets, learning curves."""
