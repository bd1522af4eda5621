// Build output in Heroku's conventions: "-----> " steps and 7-space details on
// stdout, " !     " errors on stderr.
#pragma once

#include <ostream>
#include <string_view>

#include "errors.h"

namespace whiskey {

class Output {
 public:
  Output(std::ostream& out, std::ostream& err) : out_(out), err_(err) {}

  /// "-----> text" on stdout.
  void step(std::string_view text);
  /// "       text" on stdout.
  void detail(std::string_view text);
  /// A warning block on stdout: a successful build writes nothing to stderr.
  void warning(std::string_view headline, std::string_view body);
  /// The error block on stderr: headline, what happened, what to do, details.
  void error(const UserError& e);

 private:
  void block(std::ostream& os, std::string_view kind, std::string_view headline,
             std::initializer_list<std::string_view> paragraphs);

  std::ostream& out_;
  std::ostream& err_;
};

/// "12.3 MiB", "512.0 KiB", "87 B": one decimal from KiB up.
std::string human_bytes(unsigned long long bytes);

}  // namespace whiskey
