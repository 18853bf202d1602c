"""Selecting frames: grid distillation, ensemble uncertainty, active learning, baselines."""
