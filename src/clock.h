// The clock seam: elapsed time for progress and rates.
#pragma once

#include <chrono>

namespace whiskey {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Seconds since an arbitrary, fixed origin.
  virtual double now() = 0;
};

class SteadyClock : public Clock {
 public:
  double now() override {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace whiskey
