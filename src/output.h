// Build output in Heroku's conventions: "-----> " steps and 7-space details on
// stdout, " !     " errors on stderr.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "errors.h"

namespace whiskey {

/// Which platform runs the build: the advice in warnings and errors is
/// written for Heroku's classic one and shown in the Cloud Native form there.
enum class Platform { kClassic, kCnb };

class Output {
 public:
  Output(std::ostream& out, std::ostream& err, Platform platform = Platform::kClassic)
      : out_(out), err_(err), platform_(platform) {}

  /// "-----> text" on stdout.
  void step(std::string_view text);
  /// "       text" on stdout.
  void detail(std::string_view text);
  /// A warning block on stdout (a successful build writes nothing to
  /// stderr): the headline, then what happened and what to do as one body.
  void warning(const UserMessage& w);
  /// The error block on stderr: headline, what happened, what to do, details.
  void error(const UserMessage& e);

 private:
  void block(std::ostream& os, std::string_view kind, std::string_view headline,
             std::initializer_list<std::string_view> paragraphs);

  std::string advice(std::string_view text) const;

  std::ostream& out_;
  std::ostream& err_;
  Platform platform_;
};

/// `text` (advice written for Heroku) as a Cloud Native platform's user
/// would follow it: each `heroku config:set A=1 B=2` line becomes
/// `pack build my-app --env A=1 --env B=2` (and config:unset says to leave them
/// out), `heroku stack:set heroku-NN` the builder for that stack, and
/// `heroku buildpacks:add --index 1 X` `pack build my-app --buildpack X
/// --buildpack ...`; when a config var was named, a closing line says how
/// other platforms take them (the platform folder's env/). Other text is
/// returned as it is.
std::string cnb_advice(std::string_view text);

/// "12.3 MiB", "512.0 KiB", "87 B": one decimal from KiB up.
std::string human_bytes(unsigned long long bytes);

}  // namespace whiskey
