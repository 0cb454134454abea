// Where a buffer lives. The numeric kinds are part of the contract with TypeScript (device.ts).
#pragma once

#include <cstdint>
#include <string>

namespace vllmts::native {

struct Device {
  enum Kind : int32_t { kCpu = 0, kCuda = 1 };
  Kind kind = kCpu;
  int32_t index = 0;

  bool operator==(const Device& other) const { return kind == other.kind && index == other.index; }
  bool operator!=(const Device& other) const { return !(*this == other); }
  std::string name() const { return kind == kCpu ? "cpu" : "cuda:" + std::to_string(index); }
};

}  // namespace vllmts::native
