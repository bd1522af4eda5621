#include "errors.h"

#include <utility>

namespace whiskey {

UserError::UserError(std::string headline, std::string what_happened, std::string what_to_do,
                     std::string details)
    : std::runtime_error(headline),
      headline_(std::move(headline)),
      what_happened_(std::move(what_happened)),
      what_to_do_(std::move(what_to_do)),
      details_(std::move(details)) {}

}  // namespace whiskey
