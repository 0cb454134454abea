#include "cpu/activation.h"

#include <algorithm>
#include <cmath>

#include "cpu/float_rows.h"
#include "cpu/parallel.h"
#include "cpu/vec_math.h"

namespace vllmts::cpu {
namespace {

constexpr int64_t kChunk = 1024;        // elements converted at a time (stays in L1)
constexpr int64_t kGrainChunks = 16;    // ≥ 16K elements per thread task

// Loads chunks of x as float32, applies fn(buf, len, first_index), stores them to out.
template <typename Fn>
void map_chunks(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t numel, Fn fn) {
  const int64_t chunks = (numel + kChunk - 1) / kChunk;
  parallel_for(chunks, kGrainChunks, [&](int64_t begin, int64_t end) {
    alignas(64) float buf[kChunk];
    for (int64_t c = begin; c < end; ++c) {
      const int64_t first = c * kChunk;
      const int64_t len = std::min(kChunk, numel - first);
      load_f32(x, x_dtype, first, len, buf);
      fn(buf, len, first);
      store_f32(buf, len, out, out_dtype, first);
    }
  });
}

// Both GELUs are written without 1 + (something near −1), which would cancel for negative inputs:
// 1 + erf(z) = erfc(−z), and 1 + tanh(u) = 2 · sigmoid(2u).
inline float gelu_erf(float v) { return 0.5f * v * std::erfc(v * -0.70710678118654752f); }

inline float gelu_tanh(float v) {
  const float inner = 0.79788456080286536f * (v + 0.044715f * v * v * v);
  return v * sigmoid_f32(2.0f * inner);
}

void apply(Activation act, float* buf, int64_t len) {
  switch (act) {
    case Activation::kSilu:
      for (int64_t i = 0; i < len; ++i) buf[i] = silu_f32(buf[i]);
      return;
    case Activation::kGeluErf:
      for (int64_t i = 0; i < len; ++i) buf[i] = gelu_erf(buf[i]);
      return;
    case Activation::kGeluTanh:
      for (int64_t i = 0; i < len; ++i) buf[i] = gelu_tanh(buf[i]);
      return;
    case Activation::kRelu:
      // NaN propagates, as torch.relu does.
      for (int64_t i = 0; i < len; ++i) buf[i] = buf[i] < 0.0f ? 0.0f : buf[i];
      return;
  }
}

bool dense(DType a, DType b) { return is_dense_float(a) && is_dense_float(b); }

}  // namespace

Status activation(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t numel, Activation act) {
  if (numel < 0) return Status::kInvalidArgument;
  if (!dense(x_dtype, out_dtype)) return Status::kUnsupportedDType;
  map_chunks(x, x_dtype, out, out_dtype, numel, [&](float* buf, int64_t len, int64_t) { apply(act, buf, len); });
  return Status::kOk;
}

Status gated_activation(const void* x, void* out, DType dtype, int64_t rows, int64_t inner, Activation act) {
  if (rows < 0 || inner < 0) return Status::kInvalidArgument;
  if (!is_dense_float(dtype)) return Status::kUnsupportedDType;
  const int64_t grain = std::max<int64_t>(1, kGrainChunks * kChunk / std::max<int64_t>(inner, 1));
  parallel_for(rows, grain, [&](int64_t begin, int64_t end) {
    alignas(64) float gate[kChunk];
    alignas(64) float up[kChunk];
    for (int64_t r = begin; r < end; ++r) {
      for (int64_t i = 0; i < inner; i += kChunk) {
        const int64_t len = std::min(kChunk, inner - i);
        load_f32(x, dtype, r * 2 * inner + i, len, gate);
        load_f32(x, dtype, r * 2 * inner + inner + i, len, up);
        apply(act, gate, len);
        round_through(dtype, gate, len);
        for (int64_t j = 0; j < len; ++j) gate[j] *= up[j];
        store_f32(gate, len, out, dtype, r * inner + i);
      }
    }
  });
  return Status::kOk;
}

Status softcap(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t numel, float cap) {
  if (numel < 0 || !(cap > 0.0f)) return Status::kInvalidArgument;
  if (!dense(x_dtype, out_dtype)) return Status::kUnsupportedDType;
  const float inv = 1.0f / cap;
  map_chunks(x, x_dtype, out, out_dtype, numel, [&](float* buf, int64_t len, int64_t) {
    for (int64_t i = 0; i < len; ++i) buf[i] = cap * tanh_f32(buf[i] * inv);
  });
  return Status::kOk;
}

Status scale(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t numel, float s) {
  if (numel < 0) return Status::kInvalidArgument;
  if (!dense(x_dtype, out_dtype)) return Status::kUnsupportedDType;
  map_chunks(x, x_dtype, out, out_dtype, numel, [&](float* buf, int64_t len, int64_t) {
    for (int64_t i = 0; i < len; ++i) buf[i] *= s;
  });
  return Status::kOk;
}

Status mul(const void* a, const void* b, void* out, DType dtype, int64_t numel, int64_t b_numel) {
  if (numel < 0 || b_numel <= 0 || numel % b_numel != 0) return Status::kInvalidArgument;
  if (!is_dense_float(dtype)) return Status::kUnsupportedDType;
  map_chunks(a, dtype, out, dtype, numel, [&](float* buf, int64_t len, int64_t first) {
    alignas(64) float other[kChunk];
    if (b_numel == numel) {
      load_f32(b, dtype, first, len, other);
    } else {
      // A broadcast row: copy it in runs that wrap around at the row's end.
      for (int64_t i = 0; i < len;) {
        const int64_t col = (first + i) % b_numel;
        const int64_t run = std::min(len - i, b_numel - col);
        load_f32(b, dtype, col, run, other + i);
        i += run;
      }
    }
    for (int64_t i = 0; i < len; ++i) buf[i] *= other[i];
  });
  return Status::kOk;
}

}  // namespace vllmts::cpu
