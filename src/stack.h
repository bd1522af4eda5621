// Which stacks this buildpack builds for.
#pragma once

#include <string>

#include "disk.h"
#include "errors.h"

namespace whiskey {

/// The stack of a distribution release: "heroku-22", "heroku-24" and
/// "heroku-26" for Ubuntu 22.04, 24.04 and 26.04 (Heroku's stacks are those
/// releases), else "<id>-<version>" ("debian-12").
std::string distro_stack(const std::string& id, const std::string& version);

/// The stack of this machine when STACK is unset, from /etc/os-release (see
/// distro_stack), or "" when it cannot be told.
std::string local_stack(const Disk& disk, const fs::path& os_release = "/etc/os-release");

/// A stack or target this buildpack does not build for.
class StackError : public Failure {
 public:
  enum class Kind {
    kNotLinux,   ///< the target OS `value` is not Linux
    kEndOfLife,  ///< the stack `value` is past its end of life
    kUnknown,    ///< the stack `value` (maybe empty) is not one of ours
  };
  StackError(Kind kind, std::string value)
      : Failure("unsupported target: " + value), kind(kind), value(std::move(value)) {}
  Kind kind;
  std::string value;
};

/// Returns normally for a supported stack. Throws StackError for an
/// end-of-life stack (saying which to move to) and for an unknown one.
void check_stack(const std::string& stack);

}  // namespace whiskey
