// readFileInto(dst, path, fileOffset) → Promise<void>: reads dst's bytes from a file, starting at
// `fileOffset`, straight into the tensor's memory on a worker thread. Host tensors are filled by
// pread in large chunks; device tensors through two pinned staging buffers, so reading the next
// chunk from disk overlaps the copy of the previous one to the GPU. Weight loading is built on it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "addon_state.h"
#include "cuda_device.h"
#include "errors.h"
#include "registry.h"
#include "tensor.h"
#include "tensor_arg.h"

namespace vllmts::native {
namespace {

// One pread into host tensor memory reads at most this much (Linux caps a read near 2 GiB).
constexpr size_t kHostChunkBytes = size_t{256} << 20;

// What went wrong, kept until the promise is rejected on the main thread.
struct ReadFailure {
  std::string code;  // "ENOENT", "EACCES", "ESHORT", "EDEVICE", ...
  std::string message;
};

ReadFailure os_failure(int err, const std::string& what, const std::string& path) {
  const char* name = err == ENOENT   ? "ENOENT"
                     : err == EACCES ? "EACCES"
                     : err == EISDIR ? "EISDIR"
                     : err == ENOTDIR ? "ENOTDIR"
                     : err == EMFILE ? "EMFILE"
                                     : "EIO";
  return {name, "readFileInto: cannot " + what + " " + path + ": " + std::strerror(err)};
}

class FileHandle {
 public:
  explicit FileHandle(int fd) : fd_(fd) {}
  ~FileHandle() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads exactly `bytes` at `offset`; a read that ends early is a short read (a truncated file).
bool pread_fully(int fd, char* dst, size_t bytes, int64_t offset, const std::string& path, ReadFailure& failure) {
  size_t done = 0;
  while (done < bytes) {
    const size_t want = std::min(bytes - done, kHostChunkBytes);
    const ssize_t n = ::pread(fd, dst + done, want, static_cast<off_t>(offset + static_cast<int64_t>(done)));
    if (n < 0) {
      if (errno == EINTR) continue;
      failure = os_failure(errno, "read", path);
      return false;
    }
    if (n == 0) {
      failure = {"ESHORT", "readFileInto: " + path + " ended after " + std::to_string(offset + done) +
                               " bytes, but " + std::to_string(bytes) + " bytes at offset " + std::to_string(offset) +
                               " were expected (the file is truncated)"};
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

#if defined(VLLM_TS_WITH_CUDA)
// Per-chunk staging for device reads. Pinned memory is slow to allocate, so pairs of buffers are
// pooled per device and reused by later reads (concurrent reads each take their own pair).
constexpr size_t kStagingBytes = size_t{16} << 20;

struct Staging {
  int device = 0;
  void* buffers[2] = {nullptr, nullptr};
  cudaEvent_t copied[2] = {nullptr, nullptr};
};

std::mutex g_staging_mutex;
std::vector<Staging*> g_staging_free;

Staging* acquire_staging(int device, ReadFailure& failure) {
  {
    std::lock_guard<std::mutex> lock(g_staging_mutex);
    for (auto it = g_staging_free.begin(); it != g_staging_free.end(); ++it) {
      if ((*it)->device == device) {
        Staging* found = *it;
        g_staging_free.erase(it);
        return found;
      }
    }
  }
  auto staging = std::make_unique<Staging>();
  staging->device = device;
  for (int i = 0; i < 2; ++i) {
    cudaError_t error = cudaHostAlloc(&staging->buffers[i], kStagingBytes, cudaHostAllocDefault);
    if (error == cudaSuccess) error = cudaEventCreateWithFlags(&staging->copied[i], cudaEventDisableTiming);
    if (error != cudaSuccess) {
      cudaGetLastError();
      for (int j = 0; j <= i; ++j) {
        if (staging->buffers[j] != nullptr) cudaFreeHost(staging->buffers[j]);
        if (staging->copied[j] != nullptr) cudaEventDestroy(staging->copied[j]);
      }
      failure = {"EDEVICE", std::string("readFileInto: cannot allocate pinned staging memory: ") +
                                cudaGetErrorString(error)};
      return nullptr;
    }
  }
  return staging.release();
}

void release_staging(Staging* staging) {
  std::lock_guard<std::mutex> lock(g_staging_mutex);
  g_staging_free.push_back(staging);
}

// Double-buffered: while chunk i is copied to the device from one pinned buffer, chunk i+1 is read
// from disk into the other. A buffer is refilled only after its previous copy's event fired.
bool read_to_device(int fd, char* dst, size_t bytes, int64_t offset, int device, const std::string& path,
                    ReadFailure& failure) {
  if (cudaSetDevice(device) != cudaSuccess) {
    failure = {"EDEVICE", "readFileInto: cudaSetDevice failed: " + cuda_device::last_error()};
    return false;
  }
  cudaStream_t stream = nullptr;
  try {
    stream = cuda_device::stream(device);
  } catch (const std::exception& error) {
    failure = {"EDEVICE", std::string("readFileInto: ") + error.what()};
    return false;
  }
  Staging* staging = acquire_staging(device, failure);
  if (staging == nullptr) return false;
  bool ok = true;
  bool in_flight[2] = {false, false};
  size_t done = 0;
  for (int slot = 0; ok && done < bytes; slot ^= 1) {
    const size_t n = std::min(kStagingBytes, bytes - done);
    if (in_flight[slot] && cudaEventSynchronize(staging->copied[slot]) != cudaSuccess) {
      failure = {"EDEVICE", "readFileInto: copy to the device failed: " + cuda_device::last_error()};
      ok = false;
      break;
    }
    char* buffer = static_cast<char*>(staging->buffers[slot]);
    ok = pread_fully(fd, buffer, n, offset + static_cast<int64_t>(done), path, failure);
    if (!ok) break;
    cudaError_t error = cudaMemcpyAsync(dst + done, buffer, n, cudaMemcpyHostToDevice, stream);
    if (error == cudaSuccess) error = cudaEventRecord(staging->copied[slot], stream);
    if (error != cudaSuccess) {
      failure = {"EDEVICE", std::string("readFileInto: copy to the device failed: ") + cudaGetErrorString(error)};
      ok = false;
      break;
    }
    in_flight[slot] = true;
    done += n;
  }
  // The staging buffers go back to the pool only once no queued copy reads them.
  const cudaError_t drained = cudaStreamSynchronize(stream);
  if (ok && drained != cudaSuccess) {
    failure = {"EDEVICE", std::string("readFileInto: copy to the device failed: ") + cudaGetErrorString(drained)};
    ok = false;
  }
  release_staging(staging);
  return ok;
}
#endif

class ReadFileWorker : public Napi::AsyncWorker {
 public:
  ReadFileWorker(Napi::Env env, std::shared_ptr<Storage> storage, char* dst, size_t bytes, std::string path,
                 int64_t offset)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        storage_(std::move(storage)),
        dst_(dst),
        bytes_(bytes),
        path_(std::move(path)),
        offset_(offset),
        disposed_before_start_(storage_->released()) {
    storage_->pin();  // a dispose() during the read must not free the memory being written
  }

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    if (disposed_before_start_) {
      failure_ = {"EDISPOSED", "readFileInto: the destination tensor was disposed before the read started"};
      return SetError(failure_.message);
    }
    FileHandle file(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    if (file.get() < 0) {
      failure_ = os_failure(errno, "open", path_);
      return SetError(failure_.message);
    }
    struct stat info {};
    if (::fstat(file.get(), &info) != 0) {
      failure_ = os_failure(errno, "stat", path_);
      return SetError(failure_.message);
    }
    if (S_ISDIR(info.st_mode)) {
      failure_ = os_failure(EISDIR, "read", path_);
      return SetError(failure_.message);
    }
    const int64_t end = offset_ + static_cast<int64_t>(bytes_);
    if (S_ISREG(info.st_mode) && info.st_size < end) {
      failure_ = {"ESHORT", "readFileInto: " + path_ + " is " + std::to_string(info.st_size) + " bytes, but " +
                                std::to_string(bytes_) + " bytes at offset " + std::to_string(offset_) +
                                " were requested (the file is truncated)"};
      return SetError(failure_.message);
    }
    if (bytes_ == 0) return;
    bool ok = true;
    if (storage_->device().kind == Device::kCpu) {
      ok = pread_fully(file.get(), dst_, bytes_, offset_, path_, failure_);
    } else {
#if defined(VLLM_TS_WITH_CUDA)
      ok = read_to_device(file.get(), dst_, bytes_, offset_, storage_->device().index, path_, failure_);
#else
      failure_ = {"EDEVICE", "readFileInto: CUDA tensors need an addon built with CUDA"};
      ok = false;
#endif
    }
    if (!ok) SetError(failure_.message);
  }

  void OnOK() override {
    storage_->unpin();
    deferred_.Resolve(Env().Undefined());
  }

  void OnError(const Napi::Error&) override {
    storage_->unpin();
    const Napi::Env env = Env();
    Napi::Object error;
    AddonState& state = addon_state(env);
    if (failure_.code == "EDEVICE" && !state.device_error.IsEmpty()) {
      error = state.device_error.New({Napi::String::New(env, failure_.message)});
    } else if (failure_.code == "EDISPOSED" && !state.disposed_error.IsEmpty()) {
      error = state.disposed_error.New({Napi::String::New(env, failure_.message)});
    } else {
      error = Napi::Error::New(env, failure_.message).Value();
    }
    // The TypeScript wrapper turns file errors into typed errors from these fields.
    error.Set("code", Napi::String::New(env, failure_.code));
    error.Set("path", Napi::String::New(env, path_));
    deferred_.Reject(error);
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<Storage> storage_;  // keeps the destination's storage object alive during the read
  char* dst_;
  size_t bytes_;
  std::string path_;
  int64_t offset_;
  bool disposed_before_start_;
  ReadFailure failure_;
};

// readFileInto(dst, path, fileOffset)
Napi::Value read_file_into(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg dst = tensor_arg(info, 0, "readFileInto", "dst");
  if (info.Length() < 2 || !info[1].IsString()) fail(env, "readFileInto", "argument 'path' must be a string");
  std::string path = info[1].As<Napi::String>().Utf8Value();
  if (path.empty() || path.find('\0') != std::string::npos) {
    fail(env, "readFileInto", "argument 'path' must be a non-empty path");
  }
  const int64_t offset = int_arg(info, 2, "readFileInto", "fileOffset");
  if (offset < 0 || offset > (int64_t{1} << 53)) {
    fail(env, "readFileInto", "argument 'fileOffset' must be a non-negative integer, got " + std::to_string(offset));
  }
  const size_t bytes = static_cast<size_t>(dst.numel() * dtype_size(dst.dtype));
  NativeTensor* tensor = NativeTensor::Unwrap(info[0].As<Napi::Object>());
  auto* worker = new ReadFileWorker(env, tensor->storage(), static_cast<char*>(dst.data), bytes, std::move(path),
                                    offset);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

void register_file_io_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("readFileInto", Napi::Function::New<read_file_into>(env, "readFileInto"));
}

}  // namespace

VLLM_TS_OP_GROUP(file_io, register_file_io_ops);

}  // namespace vllmts::native
