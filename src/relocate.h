// Relocation: the bundle is built under a long placeholder prefix, recorded
// in .whiskey/apache/whiskey-bundle.json. Every file that names the prefix,
// text or binary, is rewritten to name where the bundle really is.
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "disk.h"
#include "errors.h"

namespace whiskey {

/// What whiskey-bundle.json says about the bundle.
struct BundleInfo {
  int schema = 0;
  std::string stack;
  std::string arch;
  std::string apache;
  std::string apr;                    ///< APR's version ("" in bundles that do not say)
  std::string apr_util;               ///< APR-util's version (likewise)
  std::string prefix;                 ///< where the tree's files say it is now
  std::size_t prefix_capacity = 0;    ///< the placeholder's length: room in binaries
  std::vector<std::string> contents;  ///< the folders the bundle owns
  /// What its Apache can do beyond plain Apache ("graceful-sigterm": the
  /// recipe's patch; see vendor/apache/patches). Absent in older bundles.
  std::vector<std::string> features;
  bool has_feature(const std::string& name) const {
    return std::find(features.begin(), features.end(), name) != features.end();
  }
};

/// The bundle cannot be moved where it is installed.
class RelocationError : public Failure {
 public:
  enum class Kind {
    kNoRoom,       ///< `to` does not fit in a binary string where the prefix was
    kPathTooLong,  ///< `to` is longer than the bundle's placeholder (`capacity`)
    kUnreadable,   ///< whiskey-bundle.json cannot be read (`detail` says why)
    kWrongArch,    ///< the bundle (`info`) is for another arch than `target_arch`
  };
  RelocationError(Kind kind, std::string to, std::string detail)
      : Failure(detail), kind(kind), to(std::move(to)), detail(std::move(detail)) {}
  Kind kind;
  std::string to;      ///< where the bundle was to go
  std::string detail;  ///< the low-level error, with the file when there is one
  BundleInfo info;     ///< kWrongArch: what the bundle is
  std::string target_stack;
  std::string target_arch;
};

/// Where the bundle describes itself, relative to .whiskey.
inline constexpr const char* kBundleInfoPath = "apache/whiskey-bundle.json";

/// Parses whiskey-bundle.json. Throws std::runtime_error saying what is
/// missing or malformed.
BundleInfo parse_bundle_info(std::string_view json);

/// `data` with every occurrence of `from` replaced by `to`, or nullopt when
/// `from` does not occur. Binary data (holding a NUL byte) is rewritten
/// string by string: each NUL-terminated string keeps its size, padded with
/// NULs, and may grow into the `slack` bytes each occurrence left when an
/// earlier relocation shortened it. Throws RelocationError (kNoRoom) when
/// `to` does not fit, and std::invalid_argument when `from` is empty or holds a NUL.
std::optional<std::string> relocate_bytes(std::string_view data, std::string_view from,
                                          std::string_view to, std::size_t slack = 0);

struct RelocateStats {
  std::size_t text_files = 0;
  std::size_t binary_files = 0;
};

/// Rewrites `info.prefix` to `to` in the regular files of `root`/<contents>
/// (links are left alone; whiskey-bundle.json is rewritten like any text
/// file, so it then records `to`), reading and writing them on `disk`.
/// Throws RelocationError when `to` is longer than the placeholder or does
/// not fit in a file, and std::runtime_error on I/O failures.
RelocateStats relocate_tree(Disk& disk, const std::filesystem::path& root, const BundleInfo& info,
                            const std::string& to);

}  // namespace whiskey
