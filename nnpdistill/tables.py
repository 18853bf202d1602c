"""Result tables as CSV, written atomically."""

from .atomic import replacing


def write_csv(table, path, float_format="%.6g"):
    """Write a pandas DataFrame to path through a temporary file, so a reader never sees half a table."""
    with replacing(path) as tmp:
        table.to_csv(tmp, index=False, float_format=float_format)
    return path


def relaxation_table(rows, structures, paper_rows=None, element=None, failures=None):
    """Tables S6 / S7: one line per relaxation row, the bond length l_b (Angstrom) and E/atom (eV) of each
    structure, their errors against the reference line, and the paper's summary figures.

    rows: {label: {structure: (l_b, E/atom)}} with the reference first; paper_rows: the same for the printed
    values ({label: {(element, structure): (l_b, E)}}), appended with source 'paper'.
    Summary columns: sum of |l_b error| over the structures (Angstrom), the spread of the E/atom errors
    (max - min, meV/atom), the structures ordered by energy, and whether that order is the reference's.
    failures: {label: {structure: 'collapsed' or 'not converged'}}, listed in the column 'relaxation' (blank for
    a line whose relaxations all converged).
    """
    import pandas as pd

    def lines(table, source):
        reference = next(iter(table.values()))
        order_ref = sorted(structures, key=lambda s: reference[s][1])
        for label, values in table.items():
            line = {"source": source, "row": label}
            lb_errors, e_errors = [], []
            for s in structures:
                lb, energy = values.get(s, (float("nan"), float("nan")))
                line[f"{s}_bond_length_A"], line[f"{s}_energy_eV_atom"] = lb, energy
                lb_errors.append(lb - reference[s][0])
                e_errors.append((energy - reference[s][1]) * 1000.0)
                line[f"{s}_bond_length_error_A"], line[f"{s}_energy_error_meV_atom"] = lb_errors[-1], e_errors[-1]
            order = sorted(structures, key=lambda s: values.get(s, (0, float("inf")))[1])
            line["sum_abs_bond_length_error_A"] = sum(abs(x) for x in lb_errors)
            line["energy_error_spread_meV_atom"] = max(e_errors) - min(e_errors)
            line["energy_order"] = " < ".join(order)
            line["order_matches_reference"] = order == order_ref
            line["relaxation"] = "; ".join(f"{s} {why}" for s, why in (failures or {}).get(label, {}).items())
            yield line

    out = list(lines(rows, "this workflow"))
    if paper_rows and element:
        printed = {label: {s: v[(element, s)] for s in structures if (element, s) in v}
                   for label, v in paper_rows.items() if any(k[0] == element for k in v)}
        out += list(lines(printed, "paper"))
    return pd.DataFrame(out)
