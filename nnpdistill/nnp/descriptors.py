"""AEVs with their analytic derivatives, for fast force training, in the blocked layout (nnpdistill.nnp.neighbors).

Force training needs d(loss)/d(weights) of F = -dE/dr. Done by autograd through the AEV, that is a double
backward through every pair and triple of the batch, several times the cost of the AEV itself. Here the AEV G
and the pieces of dG/dr (each radial term's derivative by its pair distance; each angular term's by the two
distances and the cosine of its triple) are computed once per batch without a graph, and the forces are the
contraction of dE/dG with them:
    F = -sum over pairs and triples of (dE/dG) . (dG/dr)
which is linear in dE/dG, so the only double backward left is through the atomic networks. Each atom's
neighbours fill one padded row, so the sums over a row's pairs and triples are batched matrix products.
Terms and feature layout are TorchANI 2.9's ANIRadial, ANIAngular, cosine cutoff and AEVComputer (radial block
per neighbour element, angular block per element pair, feature r * sections + s); tests check G and the forces
against TorchANI's AEVComputer and autograd.
"""

import math
from dataclasses import dataclass

import torch


BAND = 9  # radial shifts evaluated per pair, centred on its distance


def _cosine_cutoff(d, cutoff):
    """fc(d) = 0.5 cos(pi d / cutoff) + 0.5 and its derivative."""
    k = math.pi / cutoff
    return 0.5 * torch.cos(d * k) + 0.5, -0.5 * k * torch.sin(d * k)


@dataclass
class ForceMap:
    """The constant pieces of dG/dr for one batch; forces(dE/dG) contracts them (differentiably in dE/dG)."""

    neighbor: torch.Tensor  # (A, K)
    unit: torch.Tensor  # (A, K, 3) unit vectors to the neighbours (0 in padding)
    radial_index: torch.Tensor  # (A, band * K) column of the radial AEV of each evaluated term
    radial_deriv: torch.Tensor  # (A, band, K) d term / d distance (0 in padding)
    n_radial: int
    slot: torch.Tensor  # (A, J) columns of the angular neighbours
    pair_species: torch.Tensor  # (A, M) element-pair index of each triple
    radial_part: torch.Tensor  # (A, M, Ra) R_r of the mean distance
    radial_part_deriv: torch.Tensor  # (A, M, Ra) dR_r / d mean distance
    angle_part: torch.Tensor  # (A, M, S) A_s(cos)
    angle_part_deriv: torch.Tensor  # (A, M, S) dA_s / d cos
    f: torch.Tensor  # (A, M) fc(d1) fc(d2), 0 for padded triples
    f_d1: torch.Tensor  # (A, M) fc'(d1) fc(d2)
    f_d2: torch.Tensor  # (A, M) fc(d1) fc'(d2)
    v1: torch.Tensor  # (A, M, 3)
    v2: torch.Tensor
    d1: torch.Tensor  # (A, M)
    d2: torch.Tensor
    cos: torch.Tensor  # (A, M)
    scatter1: torch.Tensor  # (J, M) one-hot: triple m's first side is angular neighbour j
    scatter2: torch.Tensor
    n_species: int

    def forces(self, d_energy_d_aev):
        """F (atoms, 3) = -dE/dr from dE/dG (atoms, AEV length)."""
        n_atoms = d_energy_d_aev.shape[0]
        n_pair_species = self.n_species * (self.n_species + 1) // 2
        n_radial_aev = self.n_species * self.n_radial
        radial = d_energy_d_aev[:, :n_radial_aev]
        shape = (n_atoms, n_pair_species, self.radial_part.shape[2], self.angle_part.shape[2])
        angular = d_energy_d_aev[:, n_radial_aev:].reshape(shape)

        # Radial: dE/d(distance) of each (atom, neighbour) from the atom's terms of the neighbour's element.
        w = radial.gather(1, self.radial_index).view(self.radial_deriv.shape)
        g = (self.radial_deriv * w).sum(dim=1)
        d_vec = g.unsqueeze(2) * self.unit  # dE / d(r_neighbour - r_atom)

        # Angular: u_s = sum_r R_r W_rs and v_s = sum_r R'_r W_rs per triple, then dE/d(d1, d2, cos).
        if n_pair_species == 1:
            u = torch.bmm(self.radial_part, angular[:, 0])
            v = torch.bmm(self.radial_part_deriv, angular[:, 0])
        else:
            u = v = 0.0
            for p in range(n_pair_species):
                here = (self.pair_species == p).unsqueeze(2).to(angular.dtype)
                u = u + here * torch.bmm(self.radial_part, angular[:, p])
                v = v + here * torch.bmm(self.radial_part_deriv, angular[:, p])
        common = 0.5 * self.f * (v * self.angle_part).sum(dim=2)
        r_wa = (u * self.angle_part).sum(dim=2)
        g_d1 = common + self.f_d1 * r_wa
        g_d2 = common + self.f_d2 * r_wa
        g_cos = self.f * (u * self.angle_part_deriv).sum(dim=2)
        inv12 = 1.0 / (self.d1 * self.d2).clamp(min=1e-10)
        dv1 = (g_d1 / self.d1 - g_cos * self.cos / self.d1**2).unsqueeze(2) * self.v1 \
            + (g_cos * inv12).unsqueeze(2) * self.v2
        dv2 = (g_d2 / self.d2 - g_cos * self.cos / self.d2**2).unsqueeze(2) * self.v2 \
            + (g_cos * inv12).unsqueeze(2) * self.v1
        # Sum each triple's side vectors onto its two angular neighbours: one (J, M) x (M, A * 3) product each.
        n_atoms_, n_triples = dv1.shape[0], dv1.shape[1]
        d_ang = torch.mm(self.scatter1, dv1.transpose(0, 1).reshape(n_triples, -1)) \
            + torch.mm(self.scatter2, dv2.transpose(0, 1).reshape(n_triples, -1))
        d_ang = d_ang.view(-1, n_atoms_, 3).transpose(0, 1)  # (A, J, 3)
        d_vec = d_vec.scatter_add(1, self.slot.unsqueeze(2).expand(-1, -1, 3), d_ang)

        # v = r_neighbour - r_atom + shift: the neighbour gets +dE/dv, the atom -dE/dv.
        grad = (-d_vec.sum(dim=1)).index_add(0, self.neighbor.reshape(-1), d_vec.reshape(-1, 3))
        return -grad


def triple_sides(n_slots, device=None):
    """Slots (first, second), first < second, of every triple of n_slots angular neighbours, ordered by second
    slot then first: (0, 1), (0, 2), (1, 2), (0, 3), ... The triples of the first j slots are then a prefix, so
    rows padded to different widths share one layout (nnpdistill.nnp.descriptor_cache relies on it)."""
    second, first = torch.tril_indices(n_slots, n_slots, -1, device=device)
    return first, second


@torch.no_grad()
def aev_with_derivatives(aev_computer, blocks, positions):
    """(G (atoms, AEV length), ForceMap) of nnpdistill.nnp.neighbors.Blocks at positions (atoms, 3), Angstrom."""
    radial_term, angular_term = aev_computer.radial, aev_computer.angular
    n_species = aev_computer.num_species
    n_atoms, width = blocks.neighbor.shape
    dtype = positions.dtype
    mask = blocks.mask.to(dtype)

    vec = positions[blocks.neighbor] - positions.unsqueeze(1) + blocks.shift
    dist = torch.where(blocks.mask, vec.norm(dim=2), torch.ones_like(mask))
    unit = vec / dist.unsqueeze(2) * mask.unsqueeze(2)
    # Radial Gaussians: only the BAND shifts nearest to each distance; the others lie 4.5 spacings or more
    # away, below exp(-eta (4.5 * 0.26875)^2) ~ 3e-13 of the largest term, and are left out.
    shifts = radial_term.shifts
    n_radial = len(shifts)
    band = min(BAND, n_radial)
    spacing = float(shifts[1] - shifts[0]) if n_radial > 1 else 1.0
    low = (torch.round((dist - shifts[0]) / spacing) - band // 2).clamp(0, n_radial - band).long()
    # Band-major layout (A, band, K): the neighbours are the contiguous axis, which vectorises well.
    index = low.unsqueeze(1) + torch.arange(band, device=positions.device).view(1, -1, 1)
    x = dist.unsqueeze(1) - shifts[index]
    fc, dfc = _cosine_cutoff(dist, radial_term.cutoff)
    eta = radial_term.eta
    gauss = torch.exp(-eta * x * x) * (0.25 * mask).unsqueeze(1)
    terms = gauss * fc.unsqueeze(1)
    radial_deriv = gauss * torch.addcmul(dfc.unsqueeze(1), x, fc.unsqueeze(1), value=-2.0 * float(eta))
    neighbor_species = blocks.species[blocks.neighbor]
    # Column of the radial AEV: neighbour element * shifts + shift index.
    if n_species > 1:
        index = index + (neighbor_species * n_radial).unsqueeze(1)
    radial_index = index.reshape(n_atoms, -1)
    radial = terms.new_zeros(n_atoms, n_species * n_radial).scatter_add_(1, radial_index,
                                                                          terms.reshape(n_atoms, -1))

    slot = blocks.angular_slot
    n_slots = slot.shape[1]
    a_mask = blocks.angular_mask.to(dtype)
    a_vec = vec.gather(1, slot.unsqueeze(2).expand(-1, -1, 3))
    a_dist = dist.gather(1, slot)
    first, second = triple_sides(n_slots, positions.device)
    v1, v2 = a_vec[:, first], a_vec[:, second]
    d1, d2 = a_dist[:, first], a_dist[:, second]
    t_mask = a_mask[:, first] * a_mask[:, second]
    cos = (v1 * v2).sum(dim=2) / (d1 * d2).clamp(min=1e-10)
    mean = 0.5 * (d1 + d2)
    eta, zeta = angular_term.eta, angular_term.zeta
    y = mean.unsqueeze(2) - angular_term.shifts
    r_part = torch.exp(-eta * y * y)
    r_part_deriv = r_part * (-2.0 * eta * y)
    # TorchANI's angular term: theta = acos(0.95 cos), A_s = 2 ((1 + cos(theta - theta_s)) / 2)^zeta.
    theta = torch.acos(0.95 * cos)
    dev = theta.unsqueeze(2) - angular_term.sections
    base = (1.0 + torch.cos(dev)) / 2.0
    a_part = 2.0 * base**zeta
    dtheta = -0.95 / torch.sqrt(1.0 - (0.95 * cos) ** 2)
    a_part_deriv = -zeta * base ** (zeta - 1.0) * torch.sin(dev) * dtheta.unsqueeze(2)
    fc1, dfc1 = _cosine_cutoff(d1, angular_term.cutoff)
    fc2, dfc2 = _cosine_cutoff(d2, angular_term.cutoff)
    f = fc1 * fc2 * t_mask
    side = neighbor_species.gather(1, slot)
    pair_species = aev_computer.triu_index[side[:, first], side[:, second]]
    n_pair_species = n_species * (n_species + 1) // 2
    weighted = r_part * f.unsqueeze(2)
    if n_pair_species == 1:
        angular = torch.bmm(weighted.transpose(1, 2), a_part).unsqueeze(1)
    else:
        angular = torch.stack([torch.bmm((weighted * (pair_species == p).unsqueeze(2)).transpose(1, 2), a_part)
                               for p in range(n_pair_species)], dim=1)
    aev = torch.cat([radial.reshape(n_atoms, -1), angular.reshape(n_atoms, -1)], dim=1)

    columns = torch.arange(n_slots, device=positions.device)
    force_map = ForceMap(
        neighbor=blocks.neighbor, unit=unit, radial_index=radial_index, radial_deriv=radial_deriv, n_radial=n_radial,
        slot=slot, pair_species=pair_species, radial_part=r_part, radial_part_deriv=r_part_deriv,
        angle_part=a_part, angle_part_deriv=a_part_deriv, f=f, f_d1=dfc1 * fc2 * t_mask, f_d2=fc1 * dfc2 * t_mask,
        v1=v1, v2=v2, d1=d1, d2=d2, cos=cos,
        scatter1=(columns.unsqueeze(1) == first).to(dtype), scatter2=(columns.unsqueeze(1) == second).to(dtype),
        n_species=n_species,
    )
    return aev, force_map


def energies_and_forces(model, blocks, positions, create_graph=True):
    """Frame energies (Hartree) and forces (Hartree/Angstrom) of an nnpdistill.nnp.model.NNP on Blocks,
    differentiable in the weights; the same values as autograd through the model's AEV."""
    if hasattr(blocks, "force_map"):  # a nnpdistill.nnp.descriptor_cache.CachedBatch
        aev, force_map = blocks.aev, blocks.force_map
    else:
        aev, force_map = aev_with_derivatives(model.aev, blocks, positions)
    aev.requires_grad_(True)
    atomic = model.atomic_energies_from_aev(blocks, aev)
    d_energy = torch.autograd.grad(atomic.sum(), aev, create_graph=create_graph)[0]
    forces = force_map.forces(d_energy)
    energy = atomic.new_zeros(len(blocks.n_atoms)).index_add(0, blocks.frame_of_atom, atomic)
    return energy, forces
