// GroupCommit: concurrent writes share one commit. A caller queues its write; whoever finds no
// leader becomes one, takes everything queued and commits it all at once (the `commit` callback
// sets each write's result), then wakes the others. Each caller returns only after its write was
// committed, so an answer still means "stored"; under load, groups form by themselves and a
// commit's cost (a transaction, an fsync) is shared.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "base/metrics.h"
#include "base/status.h"

namespace orchard {

template <typename Write>
class GroupCommit {
 public:
  // Queues `write` and waits until a commit that includes it has run; returns its result.
  // `commit` must set `result` of every write it is given (those left OK are committed).
  Status Submit(Write& write, const std::function<void(const std::vector<Write*>&)>& commit) {
    Entry mine{&write};
    std::unique_lock lock(mutex_);
    queue_.push_back(&mine);
    while (true) {
      cv_.wait(lock, [&] { return mine.done || !leader_; });
      if (mine.done) return write.result;
      leader_ = true;
      std::vector<Entry*> group;
      group.swap(queue_);
      std::vector<Write*> writes;
      for (Entry* entry : group) writes.push_back(entry->write);
      lock.unlock();
      const auto started = std::chrono::steady_clock::now();
      try {
        commit(writes);
        RecordCommit(writes.size(), std::chrono::steady_clock::now() - started);
      } catch (...) {
        // Never leave followers waiting on a leader that is gone.
        for (Write* w : writes) {
          if (w->result.ok()) w->result = Status::Internal("the write failed");
        }
        Finish(lock, group);
        throw;
      }
      Finish(lock, group);
    }
  }

 private:
  static void RecordCommit(size_t writes, std::chrono::steady_clock::duration took) {
    static HistogramFamily& sizes = MetricsRegistry::Process().Histogram(
        "orchard_store_group_commit_writes", "Writes that shared one store commit", {},
        HistogramFamily::SizeBounds());
    static HistogramFamily& times = MetricsRegistry::Process().Histogram(
        "orchard_store_commit_seconds", "Time a store commit of grouped writes took", {},
        HistogramFamily::LatencyBounds());
    sizes.Observe({}, static_cast<double>(writes));
    times.Observe({}, std::chrono::duration<double>(took).count());
  }

  struct Entry {
    Write* write;
    bool done = false;
  };
  void Finish(std::unique_lock<std::mutex>& lock, const std::vector<Entry*>& group) {
    lock.lock();
    for (Entry* entry : group) entry->done = true;
    leader_ = false;
    cv_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Entry*> queue_;
  bool leader_ = false;
};

}  // namespace orchard
