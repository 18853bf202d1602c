"""Unit conversions used across the package. LAMMPS 'metal' units and the datasets: eV, Angstrom, K, bar;
TorchANI works in Hartree (its networks' outputs and self-energies)."""

HARTREE_TO_EV = 27.211386024367243  # torchani.units.HARTREE_TO_EV (CODATA 2014); tests check they agree
K_B_EV = 8.617333262e-5  # Boltzmann constant, eV/K (CODATA 2018)
BAR_TO_EV_PER_A3 = 1e5 / 1.602176634e11  # 1 bar = 1e5 Pa; 1 eV/Angstrom^3 = 1.602176634e11 Pa
