#include "cpu/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace vllmts::cpu {
namespace {

thread_local bool t_in_parallel_region = false;

class ThreadPool {
 public:
  explicit ThreadPool(int num_threads) : size_(num_threads) {
    for (int i = 1; i < num_threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
  }

  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& worker : workers_) worker.join();
  }

  int size() const { return size_; }

  // Runs task(i) for i in [0, num_tasks); the caller takes part. One job at a time.
  void run(int num_tasks, const std::function<void(int)>& task) {
    std::lock_guard<std::mutex> job_lock(job_mutex_);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      num_tasks_ = num_tasks;
      next_task_.store(0);
      pending_.store(num_tasks);
      ++generation_;
    }
    wake_.notify_all();
    drain();
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_.load() == 0; });
    task_ = nullptr;
  }

 private:
  void drain() {
    t_in_parallel_region = true;
    for (;;) {
      const int index = next_task_.fetch_add(1);
      if (index >= num_tasks_) break;
      (*task_)(index);
      if (pending_.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_all();
      }
    }
    t_in_parallel_region = false;
  }

  void worker_loop(int) {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
        if (task_ == nullptr) continue;
      }
      drain();
    }
  }

  const int size_;
  std::vector<std::thread> workers_;
  std::mutex job_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(int)>* task_ = nullptr;
  int num_tasks_ = 0;
  std::atomic<int> next_task_{0};
  std::atomic<int> pending_{0};
  uint64_t generation_ = 0;
  bool stopping_ = false;
};

ThreadPool& pool() {
  static ThreadPool instance(num_threads());
  return instance;
}

}  // namespace

int num_threads() {
  static const int count = [] {
    if (const char* env = std::getenv("VLLM_TS_NUM_THREADS")) {
      const int requested = std::atoi(env);
      if (requested > 0) return requested;
    }
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }();
  return count;
}

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int threads = num_threads();
  if (threads == 1 || n <= grain || t_in_parallel_region) {
    fn(0, n);
    return;
  }
  // A few chunks per thread balance uneven work without much scheduling overhead.
  const int64_t max_chunks = static_cast<int64_t>(threads) * 4;
  const int64_t num_chunks = std::min<int64_t>(max_chunks, (n + grain - 1) / grain);
  const int64_t chunk = (n + num_chunks - 1) / num_chunks;
  pool().run(static_cast<int>(num_chunks), [&](int index) {
    const int64_t begin = index * chunk;
    const int64_t end = std::min<int64_t>(n, begin + chunk);
    if (begin < end) fn(begin, end);
  });
}

}  // namespace vllmts::cpu
