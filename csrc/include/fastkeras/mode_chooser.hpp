// Whether a data-parallel step runs its parts on one thread each or one after the other on
// the caller (csrc/sharded_executor.cpp; the same bits either way). Two threads pay only
// while both get a core: when the host or another process takes one, parallel steps were
// seen 1.5-2x slower than serial ones, so the executor times its steps and picks.
//
// The first kProbe steps of every kCycle run the other way; the median of their times
// against the median of the kProbe chosen-way steps just before them picks the way for the
// rest of the cycle. Medians, not sums: one preempted step (a 5 ms stall seen inside a
// reference window of 32 steps of ~15 us) must not turn the choice for a whole cycle, and
// the first steps after a switch (a worker waking from sleep) must not either.
#pragma once

#include <algorithm>
#include <cstdint>

namespace fk {

class ModeChooser {
 public:
  static constexpr int64_t kCycle = 1024, kProbe = 32;  // steps: ~3% probing

  bool parallel() const {
    const bool probing = step_ % kCycle < kProbe;
    return probing ? !parallel_best_ : parallel_best_;
  }

  // The step that parallel() was just asked about took `ns` nanoseconds, run `parallel`.
  void record(bool parallel, double ns) {
    const int64_t at = step_++ % kCycle;
    if (at < kProbe) {  // the other way
      probe_[at] = ns;
      if (at == kProbe - 1 && have_reference_ && median(probe_) < median(reference_))
        parallel_best_ = parallel;
    } else if (at >= kCycle - kProbe) {  // the chosen way, just before the next probe
      reference_[at - (kCycle - kProbe)] = ns;
      have_reference_ = true;
    }
  }

 private:
  static double median(double* t) {  // reorders t
    std::nth_element(t, t + kProbe / 2, t + kProbe);
    return t[kProbe / 2];
  }

  int64_t step_ = 0;
  bool parallel_best_ = true, have_reference_ = false;
  double probe_[kProbe] = {}, reference_[kProbe] = {};  // ns per step
};

}  // namespace fk
