#include "tar_feed.h"

#include <archive.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <type_traits>

#include "decompress.h"

namespace whiskey {
namespace {

/// How many bytes before the current chunk are kept. libarchive holds back
/// at most one read-ahead (a 512-byte tar block at the end of an archive)
/// besides the current chunk, so its unread bytes and the end-of-archive
/// block before them are always among these and the current chunk.
constexpr std::size_t kKeep = 8192;

constexpr std::size_t kBlock = 512;

bool all_zero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

StreamError trailing(std::uint64_t at) {
  return StreamError(StreamError::Kind::kTrailingData,
                     "data after the end of the tar archive (at byte " + std::to_string(at) +
                         " of the decompressed stream)");
}

}  // namespace

static_assert(std::is_same_v<la_ssize_t, long>, "TarFeed::pull returns libarchive's la_ssize_t");

long TarFeed::pull(archive* a, void* data, const void** buffer) {
  auto* self = static_cast<TarFeed*>(data);
  try {
    auto last = self->current_.last(std::min(kKeep, self->current_.size()));
    if (last.size() == kKeep) self->before_.clear();
    self->before_.append(last.data(), last.size());
    if (self->before_.size() > kKeep) self->before_.erase(0, self->before_.size() - kKeep);
    self->current_ = {};
    auto chunk = self->tar_.read();
    self->current_ = chunk;
    self->pulled_ += chunk.size();
    *buffer = chunk.data();
    return static_cast<long>(chunk.size());
  } catch (...) {
    self->error_ = std::current_exception();
    archive_set_error(a, EIO, "the download failed");
    return -1;
  }
}

int TarFeed::open(archive* a) {
  return archive_read_open(a, this, nullptr, &pull, nullptr);
}

void TarFeed::finish(archive* a) {
  // Where libarchive stopped, and the bytes it had pulled but not read.
  const la_int64_t consumed = archive_filter_bytes(a, -1);
  if (consumed < 0 || static_cast<std::uint64_t>(consumed) > pulled_) {
    throw std::logic_error("libarchive read past what it was given");
  }
  const std::uint64_t end = static_cast<std::uint64_t>(consumed);
  std::string held = before_;
  held.append(current_.data(), current_.size());
  const std::uint64_t held_from = pulled_ - held.size();
  if (end >= kBlock && end - kBlock < held_from) {
    throw std::logic_error("libarchive held back more than a tar block");
  }
  // The archive ends with an all-zero block (tar writes two; libarchive
  // reads the second only when it is there).
  if (end < kBlock || !all_zero(std::string_view(held).substr(end - kBlock - held_from, kBlock))) {
    throw StreamError(StreamError::Kind::kTruncated,
                      "the tar archive ends without its end-of-archive block (after " +
                          std::to_string(end) + " bytes)");
  }
  std::string_view rest = std::string_view(held).substr(end - held_from);
  std::uint64_t at = end;
  auto check = [&](std::string_view bytes) {
    auto bad = std::find_if(bytes.begin(), bytes.end(), [](char c) { return c != 0; });
    if (bad != bytes.end()) throw trailing(at + static_cast<std::uint64_t>(bad - bytes.begin()));
    at += bytes.size();
    if (at - end > kMaxTarPadding) {
      throw StreamError(StreamError::Kind::kTrailingData,
                        "more than " + std::to_string(kMaxTarPadding) +
                            " bytes of padding after the end of the tar archive");
    }
  };
  check(rest);
  current_ = {};
  before_.clear();
  for (auto chunk = tar_.read(); !chunk.empty(); chunk = tar_.read())
    check({chunk.data(), chunk.size()});
}

}  // namespace whiskey
