// The process seam: running another program and waiting for it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace whiskey {

class Runner {
 public:
  virtual ~Runner() = default;
  /// Runs `argv` (argv[0] looked up on PATH) with `env` added to this
  /// process's environment, and waits. Its stdout and stderr go to `output`
  /// when given, else to ours. Returns the exit status (128 + N for signal
  /// N, 127 when it cannot be started).
  virtual int run(const std::vector<std::string>& argv,
                  const std::map<std::string, std::string>& env = {},
                  std::string* output = nullptr) = 0;
};

class RealRunner : public Runner {
 public:
  int run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
          std::string* output = nullptr) override;
};

/// The last non-empty line of `text`.
std::string last_line(const std::string& text);

}  // namespace whiskey
