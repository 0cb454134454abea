// The blocked GEMM driver. C is cut into blocks of MC rows × NC columns, one task each; a task
// walks K in steps of KC, packing its slice of x (MC×KC, kept in L2) and of w (KC×NC) into panels
// and running the micro-kernel over every MR×NR tile, with the A panel of the tile row in L1 and
// B panels streaming from L2. Tasks share nothing, so they run on the pool without barriers.
// Float32 outputs accumulate in place; other outputs accumulate in a float32 block and are
// rounded once at the end.
#include "cpu/gemm.h"

#include <algorithm>
#include <atomic>
#include <string_view>
#include <vector>

#include "cpu/float_rows.h"
#include "cpu/gemm_kernels.h"
#include "cpu/gemm_skinny.h"
#include "cpu/parallel.h"

namespace vllmts::cpu {
namespace {

using gemm_detail::KernelSet;

constexpr int64_t kKc = 256;      // K step: an A panel (MR×KC) stays in L1
constexpr int64_t kMc = 336;      // a multiple of every kernel's MR (14, 6, 4); x block in L2
constexpr int64_t kNcMax = 512;   // a packed B block (KC×NC) stays in L2
constexpr int64_t kTasksPerThread = 4;

// The float32 kernels in use, and whether bf16 × bf16 products take the AVX512-BF16 kernels.
std::atomic<const KernelSet*> g_selected{nullptr};
std::atomic<bool> g_bf16{true};

const KernelSet* best_kernels() {
  if (const KernelSet* set = gemm_detail::avx512_kernels()) return set;
  if (const KernelSet* set = gemm_detail::avx2_kernels()) return set;
  return gemm_detail::scalar_kernels();
}

const KernelSet& float_kernels() {
  const KernelSet* set = g_selected.load(std::memory_order_acquire);
  if (set == nullptr) {
    set = best_kernels();
    g_selected.store(set, std::memory_order_release);
  }
  return *set;
}

const KernelSet* bf16_kernels() { return g_bf16.load() ? gemm_detail::avx512_bf16_kernels() : nullptr; }

// Pair kernels need bf16 on both sides and an even K (pairs never straddle rows).
const KernelSet& kernels_for(const GemmArgs& g) {
  const KernelSet* pairs = bf16_kernels();
  const bool eligible = g.x_dtype == DType::kBFloat16 && g.w_dtype == DType::kBFloat16 && g.k % 2 == 0;
  return pairs != nullptr && eligible ? *pairs : float_kernels();
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

struct Blocking {
  int64_t mc, nc, kc;
  int64_t m_blocks, n_blocks;
};

// Enough blocks for every thread to get a few, without cutting N below one panel.
Blocking plan(const GemmArgs& g, const KernelSet& set) {
  Blocking b{};
  b.kc = round_up(ceil_div(g.k, ceil_div(g.k, kKc)), set.k_per_step);  // equal K steps
  b.mc = std::min(round_up(g.m, set.mr), kMc);
  b.m_blocks = ceil_div(g.m, b.mc);
  const int64_t wanted = ceil_div(kTasksPerThread * num_threads(), b.m_blocks);
  b.nc = std::clamp<int64_t>(round_up(ceil_div(g.n, wanted), set.nr), set.nr, kNcMax);
  b.n_blocks = ceil_div(g.n, b.nc);
  return b;
}

struct Workspace {
  std::vector<float> a, b, c, row;
};

void run_block(const GemmArgs& g, const KernelSet& set, const Blocking& plan, int64_t task, Workspace& ws) {
  const int64_t i0 = (task / plan.n_blocks) * plan.mc;
  const int64_t j0 = (task % plan.n_blocks) * plan.nc;
  const int64_t rows = std::min(plan.mc, g.m - i0);
  const int64_t cols = std::min(plan.nc, g.n - j0);
  ws.a.resize(static_cast<size_t>(rows * plan.kc));
  ws.b.resize(static_cast<size_t>(round_up(cols, set.nr) * plan.kc));
  const bool direct = g.out_dtype == DType::kFloat32;
  float* c = direct ? static_cast<float*>(g.out) + i0 * g.n + j0 : nullptr;
  int64_t ldc = g.n;
  if (!direct) {
    ws.c.resize(static_cast<size_t>(rows * cols));
    c = ws.c.data();
    ldc = cols;
  }
  // A panels of nearly equal height: the first `extra` get base + 1 rows.
  const int64_t a_panels = ceil_div(rows, set.mr);
  const int64_t base = rows / a_panels;
  const int64_t extra = rows % a_panels;
  for (int64_t k0 = 0; k0 < g.k; k0 += plan.kc) {
    const int64_t kc = std::min(plan.kc, g.k - k0);
    const int64_t steps = kc / set.k_per_step;  // panel depth
    set.pack(g.w, g.w_dtype, g.k, j0, cols, k0, kc, set.nr, ws.b.data());
    for (int64_t ip = 0; ip < a_panels; ++ip) {
      const int64_t r0 = ip * base + std::min(ip, extra);
      const int height = static_cast<int>(base + (ip < extra ? 1 : 0));
      float* a = ws.a.data() + r0 * steps;
      set.pack(g.x, g.x_dtype, g.k, i0 + r0, height, k0, kc, height, a);
      const gemm_detail::MicroKernel kernel = set.by_rows[height - 1];
      for (int64_t jp = 0; jp * set.nr < cols; ++jp) {
        const int tile_cols = static_cast<int>(std::min<int64_t>(set.nr, cols - jp * set.nr));
        kernel(steps, a, ws.b.data() + jp * set.nr * steps, c + r0 * ldc + jp * set.nr, ldc, tile_cols, k0 > 0);
      }
    }
  }
  if (direct && g.bias == nullptr) return;
  // Epilogue: add the bias and round into out's dtype.
  ws.row.resize(static_cast<size_t>(2 * cols));
  float* bias = ws.row.data() + cols;
  if (g.bias != nullptr) load_f32(g.bias, g.bias_dtype, j0, cols, bias);
  for (int64_t r = 0; r < rows; ++r) {
    float* line = c + r * ldc;
    if (g.bias != nullptr) {
      for (int64_t j = 0; j < cols; ++j) line[j] += bias[j];
    }
    if (!direct) store_f32(line, cols, g.out, g.out_dtype, (i0 + r) * g.n + j0);
  }
}

void fill_bias_rows(const GemmArgs& g) {
  std::vector<float> row(static_cast<size_t>(g.n), 0.0f);
  if (g.bias != nullptr) load_f32(g.bias, g.bias_dtype, 0, g.n, row.data());
  for (int64_t r = 0; r < g.m; ++r) store_f32(row.data(), g.n, g.out, g.out_dtype, r * g.n);
}

}  // namespace

Status gemm(const GemmArgs& g) {
  if (g.m < 0 || g.n < 0 || g.k < 0) return Status::kInvalidArgument;
  if (!is_dense_float(g.x_dtype) || !is_dense_float(g.w_dtype) || !is_dense_float(g.out_dtype) ||
      (g.bias != nullptr && !is_dense_float(g.bias_dtype))) {
    return Status::kUnsupportedDType;
  }
  if (g.m == 0 || g.n == 0) return Status::kOk;
  if (g.k == 0) {
    fill_bias_rows(g);
    return Status::kOk;
  }
  const KernelSet& set = kernels_for(g);
  if (g.m <= (set.k_per_step == 2 ? kSkinnyRowsBf16Pairs : kSkinnyRows)) return gemm_skinny(g);
  const Blocking blocking = plan(g, set);
  parallel_for(blocking.m_blocks * blocking.n_blocks, 1, [&](int64_t begin, int64_t end) {
    thread_local Workspace workspace;
    for (int64_t task = begin; task < end; ++task) run_block(g, set, blocking, task, workspace);
  });
  return Status::kOk;
}

bool gemm_select_kernel(const char* name) {
  const std::string_view wanted(name);
  const KernelSet* set = nullptr;
  bool bf16 = false;
  if (wanted == "auto" || wanted == "avx512bf16") {
    set = wanted == "auto" ? best_kernels() : gemm_detail::avx512_kernels();
    bf16 = gemm_detail::avx512_bf16_kernels() != nullptr;
    if (wanted == "avx512bf16" && !bf16) return false;
  }
  if (wanted == "avx512") set = gemm_detail::avx512_kernels();
  if (wanted == "avx2") set = gemm_detail::avx2_kernels();
  if (wanted == "scalar") set = gemm_detail::scalar_kernels();
  if (set == nullptr) return false;
  g_selected.store(set, std::memory_order_release);
  g_bf16.store(bf16);
  return true;
}

const char* gemm_kernel_name() {
  const KernelSet* pairs = bf16_kernels();
  return pairs != nullptr ? pairs->name : float_kernels().name;
}

}  // namespace vllmts::cpu
