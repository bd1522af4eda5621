// Everything a user reads about a failure or a warning, written in one
// place: each step throws its own Failure type with what it knows, and this
// module says it in the headline / what happened / what to do / details
// shape. Finding a message is one grep in messages.cc.
#pragma once

#include <exception>
#include <string_view>

#include "errors.h"
#include "relocate.h"
#include "resolve.h"

namespace whiskey {

/// What the user reads about `e`: the message written for its Failure type
/// and kind. Anything else (a bug, a file system error no step explains)
/// gets `unexpected` as the headline, e.what() as what happened and the
/// request to report it.
UserMessage message(const std::exception& e, std::string_view unexpected);

// Warnings, shown by Output::warning: the build goes on.

/// What choosing the bundle warns about.
UserMessage warning_message(const ResolveWarning& w);
/// No WHISKEY_SHA256 and no manifest to give the bundle's digest.
UserMessage unverified_warning();
/// The bundle was built for another stack than `target`'s.
UserMessage other_stack_warning(const BundleInfo& info, const Target& target);
/// No Procfile web process and no WSGI script to serve.
UserMessage no_entry_warning();
/// The app's Django settings (`settings`; "" when not known) did not load
/// at build time, for `details` (the error, or the end of the Python's
/// output): its static files are left to the app.
UserMessage django_settings_warning(const std::string& settings, const std::string& details);

}  // namespace whiskey
