#include "cpu/elementwise.h"

#include <cmath>
#include <cstring>

#include "common/counter_hash.h"
#include "cpu/element_access.h"
#include "cpu/parallel.h"

namespace vllmts::cpu {
namespace {

constexpr int64_t kGrain = 1 << 15;

// Float storage types load and store through float32; the compiler vectorises these loops.
template <typename Load, typename Store>
void map_float(int64_t numel, Load load, Store store) {
  parallel_for(numel, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) store(i, load(i));
  });
}

}  // namespace

Status fill(void* out, DType dtype, int64_t numel, double value) {
  if (numel < 0) return Status::kInvalidArgument;
  if (numel == 0) return Status::kOk;
  // Fill by replicating one encoded element: exact for every dtype.
  alignas(8) unsigned char pattern[8];
  store_from_double(pattern, dtype, 0, value);
  const int64_t size = dtype_size(dtype);
  parallel_for(numel, kGrain, [&](int64_t begin, int64_t end) {
    auto* bytes = static_cast<unsigned char*>(out);
    if (size == 4) {
      uint32_t word;
      std::memcpy(&word, pattern, 4);
      for (int64_t i = begin; i < end; ++i) static_cast<uint32_t*>(out)[i] = word;
    } else if (size == 2) {
      uint16_t half;
      std::memcpy(&half, pattern, 2);
      for (int64_t i = begin; i < end; ++i) static_cast<uint16_t*>(out)[i] = half;
    } else if (size == 1) {
      std::memset(bytes + begin, pattern[0], static_cast<size_t>(end - begin));
    } else {
      for (int64_t i = begin; i < end; ++i) std::memcpy(bytes + i * size, pattern, size);
    }
  });
  return Status::kOk;
}

Status fill_uniform(void* out, DType dtype, int64_t numel, float low, float high, uint64_t seed) {
  if (numel < 0) return Status::kInvalidArgument;
  if (!dtype_is_float(dtype)) return Status::kUnsupportedDType;
  // One explicit fused multiply-add (a single rounding) so every device computes the same float.
  const float span = high - low;
  parallel_for(numel, kGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      store_from_double(out, dtype, i, std::fmaf(span, counter_uniform(seed, static_cast<uint64_t>(i)), low));
    }
  });
  return Status::kOk;
}

Status cast(const void* in, DType in_dtype, void* out, DType out_dtype, int64_t numel) {
  if (numel < 0) return Status::kInvalidArgument;
  if (numel == 0) return Status::kOk;
  if (in_dtype == out_dtype) {
    const int64_t bytes = numel * dtype_size(in_dtype);
    parallel_for(bytes, int64_t{1} << 20, [&](int64_t begin, int64_t end) {
      std::memmove(static_cast<char*>(out) + begin, static_cast<const char*>(in) + begin,
                   static_cast<size_t>(end - begin));
    });
    return Status::kOk;
  }
  const auto* u16 = static_cast<const uint16_t*>(in);
  const auto* f32 = static_cast<const float*>(in);
  auto* out_f32 = static_cast<float*>(out);
  auto* out_u16 = static_cast<uint16_t*>(out);
  // The conversions a model runner does every load and step get tight loops.
  if (in_dtype == DType::kBFloat16 && out_dtype == DType::kFloat32) {
    map_float(numel, [&](int64_t i) { return bf16_to_f32(u16[i]); }, [&](int64_t i, float v) { out_f32[i] = v; });
  } else if (in_dtype == DType::kFloat16 && out_dtype == DType::kFloat32) {
    map_float(numel, [&](int64_t i) { return f16_to_f32(u16[i]); }, [&](int64_t i, float v) { out_f32[i] = v; });
  } else if (in_dtype == DType::kFloat32 && out_dtype == DType::kBFloat16) {
    map_float(numel, [&](int64_t i) { return f32[i]; }, [&](int64_t i, float v) { out_u16[i] = f32_to_bf16(v); });
  } else if (in_dtype == DType::kFloat32 && out_dtype == DType::kFloat16) {
    map_float(numel, [&](int64_t i) { return f32[i]; }, [&](int64_t i, float v) { out_u16[i] = f32_to_f16(v); });
  } else {
    parallel_for(numel, kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) store_from_double(out, out_dtype, i, load_as_double(in, in_dtype, i));
    });
  }
  return Status::kOk;
}

Status add(const void* a, const void* b, void* out, DType dtype, int64_t numel, int64_t b_numel) {
  if (numel < 0 || b_numel <= 0 || numel % b_numel != 0) return Status::kInvalidArgument;
  if (numel == 0) return Status::kOk;
  switch (dtype) {
    case DType::kFloat32: {
      const auto* x = static_cast<const float*>(a);
      const auto* y = static_cast<const float*>(b);
      auto* z = static_cast<float*>(out);
      parallel_for(numel, kGrain, [&](int64_t begin, int64_t end) {
        if (b_numel == numel) {
          for (int64_t i = begin; i < end; ++i) z[i] = x[i] + y[i];
        } else {
          for (int64_t i = begin; i < end; ++i) z[i] = x[i] + y[i % b_numel];
        }
      });
      return Status::kOk;
    }
    case DType::kBFloat16:
    case DType::kFloat16: {
      const bool bf16 = dtype == DType::kBFloat16;
      const auto* x = static_cast<const uint16_t*>(a);
      const auto* y = static_cast<const uint16_t*>(b);
      auto* z = static_cast<uint16_t*>(out);
      parallel_for(numel, kGrain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const uint16_t yi = y[b_numel == numel ? i : i % b_numel];
          const float sum = bf16 ? bf16_to_f32(x[i]) + bf16_to_f32(yi) : f16_to_f32(x[i]) + f16_to_f32(yi);
          z[i] = bf16 ? f32_to_bf16(sum) : f32_to_f16(sum);
        }
      });
      return Status::kOk;
    }
    case DType::kInt32: {
      const auto* x = static_cast<const int32_t*>(a);
      const auto* y = static_cast<const int32_t*>(b);
      auto* z = static_cast<int32_t*>(out);
      parallel_for(numel, kGrain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) z[i] = x[i] + y[i % b_numel];
      });
      return Status::kOk;
    }
    case DType::kInt64: {
      const auto* x = static_cast<const int64_t*>(a);
      const auto* y = static_cast<const int64_t*>(b);
      auto* z = static_cast<int64_t*>(out);
      parallel_for(numel, kGrain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) z[i] = x[i] + y[i % b_numel];
      });
      return Status::kOk;
    }
    default:
      return Status::kUnsupportedDType;
  }
}

}  // namespace vllmts::cpu
