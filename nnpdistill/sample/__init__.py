"""Sampling: LAMMPS, the order parameter, NPT and MOMT runs (Wang-Landau bias, C++ plugin), reweighting."""
