// User-facing errors: one shape for every failure the build can report.
#pragma once

#include <stdexcept>
#include <string>

namespace whiskey {

/// A failure the user can act on. Rendered by Output::error as a headline,
/// what happened, what to do, then the low-level details.
class UserError : public std::runtime_error {
 public:
  UserError(std::string headline, std::string what_happened, std::string what_to_do,
            std::string details = {});

  const std::string& headline() const { return headline_; }
  const std::string& what_happened() const { return what_happened_; }
  const std::string& what_to_do() const { return what_to_do_; }
  const std::string& details() const { return details_; }

 private:
  std::string headline_;
  std::string what_happened_;
  std::string what_to_do_;
  std::string details_;
};

/// Where bugs are reported; appended to errors that are not the user's doing.
inline constexpr const char* kReportBugs =
    "If this keeps happening, please report it to the mod_wsgi-heroku maintainers\n"
    "with this build log.";

}  // namespace whiskey
