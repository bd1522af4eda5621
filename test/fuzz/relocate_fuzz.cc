// libFuzzer target for relocate_bytes. The input is split as
//   byte 0: length of `from` (mod 64), byte 1: length of `to` (mod 64),
//   byte 2: slack (mod 64), then `from`, `to`, and the rest is the data.
// relocate_bytes may refuse with RelocationError; when it returns on data
// holding a NUL byte, every string kept its place, so the size is unchanged.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "relocate.h"

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "relocate_fuzz: %s\n", what.c_str());
  std::abort();
}

/// `text` with every `from` replaced by `to`, left to right.
std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  std::size_t done = 0;
  for (std::size_t hit; (hit = text.find(from, done)) != std::string_view::npos;
       done = hit + from.size()) {
    out.append(text.substr(done, hit - done)).append(to);
  }
  return out.append(text.substr(done));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 3) return 0;
  std::string_view input(reinterpret_cast<const char*>(bytes), size);
  std::size_t from_size = bytes[0] % 64, to_size = bytes[1] % 64, slack = bytes[2] % 64;
  input.remove_prefix(3);
  if (input.size() < from_size + to_size) return 0;
  std::string_view from = input.substr(0, from_size);
  std::string_view to = input.substr(from_size, to_size);
  std::string_view data = input.substr(from_size + to_size);
  // What relocate_tree passes: the prefix parse_bundle_info accepted, an
  // absolute path.
  if (from.empty() || from.front() != '/') return 0;

  std::optional<std::string> out;
  try {
    out = whiskey::relocate_bytes(data, from, to, slack);
  } catch (const whiskey::RelocationError&) {
    if (data.find('\0') == std::string_view::npos) fail("text data refused with RelocationError");
    if (to.size() <= from.size()) fail("refused though `to` is not longer than `from`");
    return 0;
  } catch (const std::invalid_argument&) {
    // Documented: a prefix holding a NUL is refused.
    if (from.find('\0') == std::string_view::npos) fail("invalid_argument for a NUL-free prefix");
    return 0;
  }
  if (!out) {
    if (data.find(from) != std::string_view::npos) fail("nullopt though `from` occurs");
    return 0;
  }
  if (data.find(from) == std::string_view::npos) fail("rewrote data where `from` does not occur");
  if (data.find('\0') == std::string_view::npos) {
    if (*out != replace_all(data, from, to)) fail("text not rewritten as a plain replacement");
  } else if (out->size() != data.size()) {
    fail("binary data changed size: " + std::to_string(data.size()) + " -> " +
         std::to_string(out->size()));
  }
  return 0;
}
