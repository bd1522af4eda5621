// The clock seam: elapsed time for progress and rates.
#pragma once

#include <chrono>
#include <thread>

namespace whiskey {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Seconds since an arbitrary, fixed origin.
  virtual double now() = 0;
  /// Waits `seconds` (a fake clock just moves on).
  virtual void sleep(double seconds) = 0;
};

class SteadyClock : public Clock {
 public:
  double now() override {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void sleep(double seconds) override {
    if (seconds > 0) std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  }
};

}  // namespace whiskey
