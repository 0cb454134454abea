// Activation and simple elementwise kernels over float32/bf16/f16 storage, computed in float32.
// Every kernel reads its input in chunks before writing the chunk's output, so `out` may be the
// very same buffer as `x` (in place); it must not otherwise overlap.
#pragma once

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cpu {

enum class Activation {
  kSilu,      // x · sigmoid(x)
  kGeluErf,   // x/2 · (1 + erf(x/√2))
  kGeluTanh,  // x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³)))
  kRelu,      // max(x, 0)
};

/// out[i] = act(x[i]).
Status activation(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t numel, Activation act);

/// out[r, i] = act(x[r, i]) · x[r, inner + i] for x [rows, 2·inner] and out [rows, inner] of one
/// dtype. As in vLLM and Hugging Face, act(...) is rounded to the dtype before the product.
Status gated_activation(const void* x, void* out, DType dtype, int64_t rows, int64_t inner, Activation act);

/// out[i] = cap · tanh(x[i] / cap).
Status softcap(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t numel, float cap);

/// out[i] = s · x[i].
Status scale(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t numel, float s);

/// out[i] = a[i] · b[i % b_numel] (b is a's shape, or one row broadcast over a's last dimension);
/// a, b and out share one dtype.
Status mul(const void* a, const void* b, void* out, DType dtype, int64_t numel, int64_t b_numel);

}  // namespace vllmts::cpu
