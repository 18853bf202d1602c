"""Figures of the paper's Supplementary Information, drawn with matplotlib (Agg, no display needed)."""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def save(fig, path):
    """Save a figure atomically (temporary file, then rename)."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    fig.savefig(tmp, dpi=150, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    os.replace(tmp, path)


def sampling_time_ps(data):
    """Time (ps) of each frame since the first stored frame of its run."""
    step = data.extras["step"]
    return (step - step[0]) * data.attrs["timestep_fs"] / 1000.0


def npt_energy(runs, path):
    """Fig. S1a: potential energy and order parameter vs time for each NPT run.

    runs: {(system, phase): Dataset}; one column per system.
    """
    systems = list(dict.fromkeys(system for system, _ in runs))
    fig, axes = plt.subplots(2, len(systems), figsize=(5.5 * len(systems), 6), sharex="col", squeeze=False)
    for column, system in enumerate(systems):
        energy_ax, order_ax = axes[:, column]
        for (name, phase), data in runs.items():
            if name != system:
                continue
            t = sampling_time_ps(data)
            energy_ax.plot(t, data.energy, lw=0.8, label=f"{phase} start")
            order_ax.plot(t, data.extras["O"], lw=0.8, label=f"{phase} start")
        energy_ax.set_title(f"{system}: NPT at {data.attrs['temperature_K']:g} K, {data.attrs['pressure_bar']:g} bar")
        energy_ax.set_ylabel("potential energy E (eV)")
        order_ax.set_ylabel("order parameter O")
        order_ax.set_xlabel("time (ps)")
        order_ax.set_ylim(bottom=min(0.0, np.nanmin([d.extras["O"].min() for d in runs.values()])))
        energy_ax.legend()
    save(fig, path)
