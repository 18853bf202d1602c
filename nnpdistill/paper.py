"""Numbers printed in the paper's Supplementary Information, for side-by-side tables. Never used as results."""

# Tables S6 and S7: (l_b in Angstrom, E/atom in eV) by row, element and structure.
RELAXATION_ROWS = {
    "Reference (EAM)": {
        ("Ni", "fcc"): (2.49, -4.876), ("Ni", "bcc"): (2.41, -4.833), ("Ni", "hcp"): (2.44, -4.847),
        ("Nb", "fcc"): (3.05, -7.159), ("Nb", "bcc"): (2.86, -7.347), ("Nb", "hcp"): (2.94, -7.157),
    },
    "NNP (Full Data)": {("Ni", "fcc"): (2.46, -4.896), ("Ni", "bcc"): (2.45, -4.803), ("Ni", "hcp"): (2.43, -4.848)},
    "NNP (Distilled Data)": {("Ni", "fcc"): (2.50, -4.875), ("Ni", "bcc"): (2.41, -4.812),
                             ("Ni", "hcp"): (2.46, -4.835)},
    "NNP (Translated Data)": {("Nb", "fcc"): (3.07, -7.173), ("Nb", "bcc"): (2.86, -7.350),
                              ("Nb", "hcp"): (2.93, -7.166)},
}
# Table S3: selected frames at each delta_O, from 20,001 MOMT frames of Ni 108.
TABLE_S3_SELECTED = {0.02: 17900, 0.05: 15516, 0.1: 12640, 0.2: 9377, 0.4: 6234, 0.7: 4139, 3.0: 1506}
# Tables S4 and S5: self-energies (Hartree).
TABLE_S4_HARTREE = {"FCC": -0.167824160206977, "liquid": -0.1610189932429113, "MOMT": -0.16532494629298}
TABLE_S5_HARTREE = {"Ni": -0.16440532763410765, "Al": -0.11764409019342367, "Nb": -0.2502205647745999}
# Note 5: seconds per epoch on one GPU, the first 10 epochs.
TRAINING_SPEED_S_PER_EPOCH = {"full (20,000 x 108)": 41.0, "distilled (3,500 x 32)": 2.1}
