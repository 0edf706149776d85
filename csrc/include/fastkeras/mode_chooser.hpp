// Picks, step by step, whether an executor runs its work on several threads or on the
// calling thread alone (csrc/executor.cpp, csrc/sharded_executor.cpp). Both ways compute the
// same bits, so the choice only moves time.
//
// Two threads pay only while both get a core. When the host or another process takes one,
// a parallel step waits on the preempted thread (seen: 1.2-2x slower than running serially).
// So after every `cycle` steps run the chosen way, kProbe steps run the other way, and their
// total against the kProbe steps just before them keeps or flips the choice. A probe that
// loses by far (the machine is quiet) doubles the cycle, up to kMaxCycle steps, so that
// probing costs little where it never wins.
#pragma once

#include <chrono>
#include <cstdint>

namespace fk {

class ModeChooser {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int64_t kProbe = 32, kCycle = 1024, kMaxCycle = 8192;  // steps
  static constexpr double kFarBehind = 1.25;  // a probe this much slower: probe less often

  bool parallel() const { return probing_ ? !parallel_best_ : parallel_best_; }

  // The time of the step just run the way parallel() said.
  void record(Clock::duration took) {
    const double ns = std::chrono::duration<double, std::nano>(took).count();
    if (probing_) {
      probe_ns_ += ns;
      if (++probed_ < kProbe) return;
      if (probe_ns_ < reference_ns_) {
        parallel_best_ = !parallel_best_;
        cycle_ = kCycle;
      } else {
        cycle_ = probe_ns_ > kFarBehind * reference_ns_ ? (cycle_ * 2 < kMaxCycle ? cycle_ * 2
                                                                                   : kMaxCycle)
                                                        : kCycle;
      }
      probing_ = false;
      probed_ = since_probe_ = 0;
      probe_ns_ = reference_ns_ = 0;
      return;
    }
    if (++since_probe_ > cycle_ - kProbe) reference_ns_ += ns;
    if (since_probe_ == cycle_) probing_ = true;
  }

  int64_t cycle() const { return cycle_; }

 private:
  int64_t cycle_ = kCycle;  // steps the chosen way between two probes
  int64_t since_probe_ = 0, probed_ = 0;
  bool probing_ = false, parallel_best_ = true;
  double probe_ns_ = 0, reference_ns_ = 0;
};

}  // namespace fk
