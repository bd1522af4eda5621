// Failures and what users read about them. Each step of the build throws its
// own Failure type (ConfigError in config.h, FetchError in fetch.h, ...)
// carrying what it knows; messages.cc turns any of them into a UserMessage,
// and only the entry points print one.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace whiskey {

/// What a user reads about a failure or a warning: a headline, what
/// happened, what to do, then the low-level details. Written only in
/// messages.cc; shown by Output::error and Output::warning.
struct UserMessage {
  UserMessage() = default;
  UserMessage(std::string headline, std::string what_happened, std::string what_to_do = {},
              std::string details = {})
      : headline(std::move(headline)),
        what_happened(std::move(what_happened)),
        what_to_do(std::move(what_to_do)),
        details(std::move(details)) {}
  std::string headline;
  std::string what_happened;
  std::string what_to_do;
  std::string details;
};

/// The base of every failure a step reports. what() is a short technical
/// summary; the fields of the derived type carry the context.
class Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Where bugs are reported; appended to errors that are not the user's doing.
inline constexpr const char* kReportBugs =
    "If this keeps happening, please report it to the mod_wsgi-heroku maintainers\n"
    "with this build log.";

}  // namespace whiskey
