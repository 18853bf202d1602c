"""AEVs with their analytic derivatives, for fast force training.

Force training needs d(loss)/d(weights) of F = -dE/dr. Done by autograd through the AEV, that is a double
backward through every pair and triple of the batch, several times the cost of the AEV itself. Here the AEV G
and the pieces of dG/dr (derivatives of each radial term by its pair distance, of each angular term by the two
distances and the cosine of its triple) are computed once per batch without a graph, and the forces are the
contraction of dE/dG with them:
    F = -sum over pairs and triples of (dE/dG) . (dG/dr)
which is linear in dE/dG, so the only double backward left is through the atomic networks.
Terms and index conventions are TorchANI 2.9's ANIRadial, ANIAngular and cosine cutoff (AEVComputer's
_collect_radial/_collect_angular layout); tests check G and the forces against TorchANI and autograd.
"""

import math
from dataclasses import dataclass

import torch


def _cosine_cutoff(d, cutoff):
    """fc(d) = 0.5 cos(pi d / cutoff) + 0.5 and its derivative."""
    k = math.pi / cutoff
    return 0.5 * torch.cos(d * k) + 0.5, -0.5 * k * torch.sin(d * k)


@dataclass
class ForceMap:
    """The constant pieces of dG/dr for one batch; forces(dE/dG) contracts them (differentiably in dE/dG)."""

    n_atoms: int
    n_species: int
    pairs: torch.Tensor  # (2, P)
    unit: torch.Tensor  # (P, 3) diff / distance
    radial_slot: torch.Tensor  # (2, P) rows of dE/dG (atom * species + other species) per pair end
    radial_deriv: torch.Tensor  # (P, R) d term / d distance
    ang_pairs: torch.Tensor  # (2, Q) atom indices of the angular pairs
    side: torch.Tensor  # (2, T) indices into the angular pairs
    sign: torch.Tensor  # (2, T)
    angular_slot: torch.Tensor  # (T,) rows of dE/dG (atom * species pairs + pair index)
    radial_part: torch.Tensor  # (T, 8) R_r(mean distance)
    radial_part_deriv: torch.Tensor  # (T, 8) dR_r / d mean distance
    angle_part: torch.Tensor  # (T, 4) A_s(cos)
    angle_part_deriv: torch.Tensor  # (T, 4) dA_s / d cos
    fc: torch.Tensor  # (2, T) cutoff of both sides
    fc_deriv: torch.Tensor  # (2, T)
    v: torch.Tensor  # (2, T, 3) the two side vectors
    d: torch.Tensor  # (2, T)
    cos: torch.Tensor  # (T,)

    def forces(self, d_energy_d_aev, radial_len):
        """F (atoms, 3) = -dE/dr from dE/dG (atoms, AEV length)."""
        radial = d_energy_d_aev[:, :radial_len].reshape(self.n_atoms * self.n_species, -1)
        n_pairs_species = (d_energy_d_aev.shape[1] - radial_len) // self.angle_part.shape[1] // 8
        angular = d_energy_d_aev[:, radial_len:].reshape(self.n_atoms * n_pairs_species, 8, -1)

        # Radial: dE/d(distance) of each pair, from both of its atoms' features.
        g = ((radial.index_select(0, self.radial_slot[0]) + radial.index_select(0, self.radial_slot[1]))
             * self.radial_deriv).sum(dim=1)
        d_pair = g.unsqueeze(1) * self.unit  # dE / d diff vector
        grad = d_pair.new_zeros(self.n_atoms, 3)
        grad = grad.index_add(0, self.pairs[0], d_pair).index_add(0, self.pairs[1], -d_pair)

        # Angular: dE/d(d1), dE/d(d2), dE/d(cos) of each triple, then onto its two side vectors.
        w = angular.index_select(0, self.angular_slot)  # (T, 8, 4)
        # Contract over the radial shifts first: u = sum_r R_r W_rs, v = sum_r R'_r W_rs, (T, 4) each.
        u = (w * self.radial_part.unsqueeze(2)).sum(dim=1)
        v = (w * self.radial_part_deriv.unsqueeze(2)).sum(dim=1)
        f = self.fc[0] * self.fc[1]
        common = 0.5 * f * (v * self.angle_part).sum(dim=1)
        r_wa = (u * self.angle_part).sum(dim=1)
        g_d1 = common + self.fc_deriv[0] * self.fc[1] * r_wa
        g_d2 = common + self.fc[0] * self.fc_deriv[1] * r_wa
        g_cos = f * (u * self.angle_part_deriv).sum(dim=1)
        (v1, v2), (d1, d2) = self.v, self.d
        inv12 = 1.0 / (d1 * d2).clamp(min=1e-10)
        dv1 = (g_d1 / d1 - g_cos * self.cos / d1**2).unsqueeze(1) * v1 + (g_cos * inv12).unsqueeze(1) * v2
        dv2 = (g_d2 / d2 - g_cos * self.cos / d2**2).unsqueeze(1) * v2 + (g_cos * inv12).unsqueeze(1) * v1
        n_ang = self.ang_pairs.shape[1]
        d_ang = dv1.new_zeros(n_ang, 3)
        d_ang = d_ang.index_add(0, self.side[0], dv1 * self.sign[0].unsqueeze(1).to(dv1.dtype))
        d_ang = d_ang.index_add(0, self.side[1], dv2 * self.sign[1].unsqueeze(1).to(dv2.dtype))
        grad = grad.index_add(0, self.ang_pairs[0], d_ang).index_add(0, self.ang_pairs[1], -d_ang)
        return -grad


@torch.no_grad()
def aev_with_derivatives(aev_computer, batch, positions):
    """(G (atoms, AEV length), ForceMap) of a nnpdistill.neighbors.Batch at positions (atoms, 3), Angstrom."""
    radial_term, angular_term = aev_computer.radial, aev_computer.angular
    n_species = aev_computer.num_species
    species = batch.species
    n_atoms = len(species)

    diff = positions.index_select(0, batch.pairs[0]) - positions.index_select(0, batch.pairs[1]) + batch.shifts
    distance = diff.norm(2, -1)
    fc, dfc = _cosine_cutoff(distance.unsqueeze(1), radial_term.cutoff)
    gauss = 0.25 * torch.exp(-radial_term.eta * (distance.unsqueeze(1) - radial_term.shifts) ** 2)
    terms = gauss * fc
    radial_deriv = gauss * (-2.0 * radial_term.eta * (distance.unsqueeze(1) - radial_term.shifts) * fc + dfc)
    other = species.index_select(0, batch.pairs.flip(0).reshape(-1)).view(2, -1)
    radial_slot = batch.pairs * n_species + other
    radial = terms.new_zeros(n_atoms * n_species, terms.shape[1])
    radial.index_add_(0, radial_slot[0], terms).index_add_(0, radial_slot[1], terms)

    ang_pairs = batch.pairs.index_select(1, batch.angular)
    ang_diff = diff.index_select(0, batch.angular)
    ang_distance = distance.index_select(0, batch.angular)
    side = batch.side
    sign = batch.sign.to(positions.dtype)
    v = ang_diff.index_select(0, side.reshape(-1)).view(2, -1, 3) * sign.unsqueeze(-1)
    d = ang_distance.index_select(0, side.reshape(-1)).view(2, -1)
    cos = (v[0] * v[1]).sum(dim=1) / (d[0] * d[1]).clamp(min=1e-10)
    mean = 0.5 * (d[0] + d[1])
    eta, zeta = angular_term.eta, angular_term.zeta
    r_part = torch.exp(-eta * (mean.unsqueeze(1) - angular_term.shifts) ** 2)
    r_part_deriv = r_part * (-2.0 * eta * (mean.unsqueeze(1) - angular_term.shifts))
    theta = torch.acos(0.95 * cos)
    dev = theta.unsqueeze(1) - angular_term.sections
    base = (1.0 + torch.cos(dev)) / 2.0
    a_part = 2.0 * base**zeta
    dtheta = -0.95 / torch.sqrt(1.0 - (0.95 * cos) ** 2)
    a_part_deriv = 2.0 * zeta * base ** (zeta - 1.0) * (-torch.sin(dev) / 2.0) * dtheta.unsqueeze(1)
    fc_a, dfc_a = _cosine_cutoff(d, angular_term.cutoff)
    tri_terms = (r_part.unsqueeze(2) * a_part.unsqueeze(1)).reshape(len(cos), -1) * (fc_a[0] * fc_a[1]).unsqueeze(1)
    side_atoms = ang_pairs.index_select(1, side.reshape(-1)).view(2, 2, -1)
    # The side atom of each side: the pair's other end from the central atom (TorchANI's sign convention).
    side_species = species.index_select(0, torch.where(batch.sign == 1, side_atoms[1], side_atoms[0]).reshape(-1))
    side_species = side_species.view(2, -1)
    n_pair_species = n_species * (n_species + 1) // 2
    angular_slot = batch.central * n_pair_species + aev_computer.triu_index[side_species[0], side_species[1]]
    angular = tri_terms.new_zeros(n_atoms * n_pair_species, tri_terms.shape[1])
    angular.index_add_(0, angular_slot, tri_terms)

    aev = torch.cat([radial.view(n_atoms, -1), angular.view(n_atoms, -1)], dim=1)
    force_map = ForceMap(
        n_atoms=n_atoms, n_species=n_species, pairs=batch.pairs, unit=diff / distance.unsqueeze(1),
        radial_slot=radial_slot, radial_deriv=radial_deriv, ang_pairs=ang_pairs, side=side, sign=batch.sign,
        angular_slot=angular_slot, radial_part=r_part, radial_part_deriv=r_part_deriv, angle_part=a_part,
        angle_part_deriv=a_part_deriv, fc=fc_a, fc_deriv=dfc_a, v=v, d=d, cos=cos,
    )
    return aev, force_map


_compiled = None


def _compiled_aev_with_derivatives():
    global _compiled
    if _compiled is None:
        _compiled = torch.compile(aev_with_derivatives, dynamic=True)
    return _compiled


def energies_and_forces(model, batch, positions, create_graph=True, compile=False):
    """Frame energies (Hartree) and forces (Hartree/Angstrom) of an nnpdistill.model.NNP, differentiable in the
    weights; the same values as autograd through model(batch, positions).

    compile: run the AEV and its derivatives through torch.compile (fused kernels, about 3x faster on the CPU;
    the values agree with the eager ones to float32 rounding). Only this graph-free part is compiled: compiling
    through the double backward of force training fails.
    """
    compute = _compiled_aev_with_derivatives() if compile else aev_with_derivatives
    with torch.no_grad():
        aev, force_map = compute(model.aev, batch, positions)
    aev.requires_grad_(True)
    atomic = model.atomic_energies_from_aev(batch, aev)
    d_energy = torch.autograd.grad(atomic.sum(), aev, create_graph=create_graph)[0]
    forces = force_map.forces(d_energy, model.aev.radial_len)
    energy = atomic.new_zeros(len(batch.n_atoms)).index_add(0, batch.frame_of_atom, atomic)
    return energy, forces
