#include "unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "decompress.h"
#include "tar_feed.h"

namespace whiskey {
namespace {

struct ReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    auto slash = path.find('/');
    auto part = path.substr(0, slash);
    if (!part.empty() && part != ".") parts.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

/// Throws for a libarchive result below ARCHIVE_WARN: the stream's own
/// error (parked in `feed`) as it was thrown, else a BundleError of `kind`
/// saying `what` and libarchive's reason.
void check_read(archive* a, const TarFeed& feed, int r, BundleError::Kind kind,
                const std::string& what) {
  if (r >= ARCHIVE_WARN) return;
  if (feed.error()) std::rethrow_exception(feed.error());
  const char* msg = archive_error_string(a);
  throw BundleError(kind, what + (msg ? std::string(": ") + msg : std::string()));
}

/// The BundleError for what the decompression or the tar archive's end found.
BundleError bundle_error(const StreamError& e) {
  using K = BundleError::Kind;
  switch (e.kind) {
    case StreamError::Kind::kNotArchive:
      return BundleError(K::kNotArchive, e.what());
    case StreamError::Kind::kUnsupported:
      return BundleError(K::kUnsupported, e.what());
    case StreamError::Kind::kCorrupt:
      return BundleError(K::kCorrupt, e.what());
    case StreamError::Kind::kChecksum:
      return BundleError(K::kChecksum, e.what());
    case StreamError::Kind::kTruncated:
      return BundleError(K::kTruncated, e.what());
    case StreamError::Kind::kTrailingData:
      return BundleError(K::kTrailingData, e.what());
  }
  return BundleError(K::kCorrupt, e.what());
}

/// The tar stream inside a compressed one. A thread of its own reads `src`
/// (the download, its digest, the cache copy) and decompresses it while the
/// caller's thread writes the files: on two cores the unpack then takes about
/// as long as the slower of the two, not their sum. At most kQueued chunks
/// wait, so a bomb decompresses no faster than the files are written (and the
/// caller's limits stop it). A failure of `src` or of the decompression is
/// passed on, as thrown, after the chunks that came before it.
class Decompressed final : public ByteStream {
 public:
  explicit Decompressed(ByteStream& src) : src_(src), thread_([this] { run(); }) {}
  ~Decompressed() override { stop(); }
  Decompressed(const Decompressed&) = delete;
  Decompressed& operator=(const Decompressed&) = delete;

  std::span<const char> read() override {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !ready_.empty() || finished_; });
    if (ready_.empty()) {
      if (error_) std::rethrow_exception(error_);
      return {};
    }
    current_ = std::move(ready_.front());
    ready_.pop_front();
    changed_.notify_all();
    return {current_.data(), current_.size()};
  }

  /// No more is wanted: the thread stops at its next chunk, and is joined.
  /// Afterwards `src` may be read again by the caller (what is left of it).
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  static constexpr std::size_t kQueued = 16;

  void run() {
    try {
      decompress();
    } catch (const StreamError& e) {
      std::lock_guard lock(mutex_);
      error_ = std::make_exception_ptr(bundle_error(e));
    } catch (...) {
      std::lock_guard lock(mutex_);
      error_ = std::current_exception();
    }
    std::lock_guard lock(mutex_);
    finished_ = true;
    changed_.notify_all();
  }

  void decompress() {
    DecompressStream in(src_);
    while (true) {
      auto out = in.read();
      if (out.empty()) return;
      std::vector<char> chunk(out.begin(), out.end());
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return ready_.size() < kQueued || stopped_; });
      if (stopped_) return;
      ready_.push_back(std::move(chunk));
      changed_.notify_all();
    }
  }

  ByteStream& src_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::vector<char>> ready_;
  std::vector<char> current_;
  bool stopped_ = false;   // the reader wants no more
  bool finished_ = false;  // the thread is done (error_ says whether it failed)
  std::exception_ptr error_;
  std::thread thread_;  // last: started once the rest is ready
};

BundleError unsafe(const std::string& entry, const std::string& why) {
  return BundleError(BundleError::Kind::kUnsafeEntry, "'" + entry + "' " + why, entry);
}

}  // namespace

namespace {

/// Why `path` cannot be an entry under .whiskey/, or "" when it can.
std::string unsafe_path_reason(std::string_view path) {
  if (path.empty()) return "has an empty name";
  if (path.front() == '/') return "is an absolute path";
  auto parts = split_path(path);
  for (auto part : parts) {
    if (part == "..") return "climbs out of its folder with '..'";
  }
  if (parts.empty() || parts.front() != ".whiskey") return "is not under .whiskey/";
  return {};
}

}  // namespace

std::string bundle_relative_path(std::string_view archive_path) {
  std::string entry(archive_path);
  if (auto reason = unsafe_path_reason(archive_path); !reason.empty()) throw unsafe(entry, reason);
  auto parts = split_path(archive_path);
  std::string rel;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (!rel.empty()) rel += '/';
    rel += parts[i];
  }
  return rel;
}

bool symlink_stays_inside(std::string_view link, std::string_view target) {
  if (target.empty() || target.front() == '/') return false;
  auto where = split_path(link);
  if (!where.empty()) where.pop_back();  // the link's own name
  // ".." only as leading components: after a name, ".." would climb out of
  // whatever that name resolves to, which may itself be a link.
  bool descending = false;
  for (auto part : split_path(target)) {
    if (part == "..") {
      if (descending || where.empty()) return false;
      where.pop_back();
    } else {
      descending = true;
    }
  }
  return true;
}

namespace {

/// unpack_bundle's entries: read by `in` from `feed`, written into `root` by
/// `out`, to the end of the stream.
UnpackStats write_entries(archive* in, archive* out, TarFeed& feed,
                          const std::filesystem::path& root, const UnpackLimits& limits) {
  std::set<std::string> links;  // relative paths of the symlinks written so far
  // Why `rel` cannot be written without going through a link made earlier.
  auto through_link = [&](const std::string& rel) -> std::string {
    if (links.empty()) return {};
    for (auto slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
      if (links.count(rel.substr(0, slash))) {
        return "is inside '.whiskey/" + rel.substr(0, slash) + "', a link";
      }
    }
    if (links.count(rel)) return "replaces the link '.whiskey/" + rel + "'";
    return {};
  };

  auto check = [&](int r, BundleError::Kind kind, const std::string& what) {
    check_read(in, feed, r, kind, what);
  };
  // Opening already decompresses the first block, so a compressed stream cut
  // short fails here too: only an unrecognised format (libarchive's
  // ARCHIVE_ERRNO_FILE_FORMAT, EILSEQ on Linux) means "not an archive".
  int opened = feed.open(in);
  check(opened,
        archive_errno(in) == EILSEQ ? BundleError::Kind::kNotArchive : BundleError::Kind::kCorrupt,
        "cannot read the archive");

  UnpackStats stats;
  std::set<std::string> top;
  for (bool first = true;; first = false) {
    archive_entry* entry = nullptr;
    int r = archive_read_next_header(in, &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN && !feed.error() && first) {
      const char* msg = archive_error_string(in);
      throw BundleError(BundleError::Kind::kNotArchive,
                        std::string("not a tar archive") + (msg ? std::string(": ") + msg : ""));
    }
    check(r, BundleError::Kind::kCorrupt, "the archive is damaged or cut short");

    const char* raw = archive_entry_pathname(entry);
    std::string name = raw ? raw : "";
    std::string rel = bundle_relative_path(name);
    if (++stats.entries > limits.max_entries) {
      throw BundleError(BundleError::Kind::kTooLarge,
                        "more than " + std::to_string(limits.max_entries) + " entries");
    }

    mode_t type = archive_entry_filetype(entry);
    const char* hardlink = archive_entry_hardlink(entry);
    if (hardlink) {
      if (auto reason = unsafe_path_reason(hardlink); !reason.empty()) {
        throw unsafe(name, "is a hard link to '" + std::string(hardlink) + "', which " + reason);
      }
      std::string target_rel = bundle_relative_path(hardlink);
      if (target_rel.empty()) throw unsafe(name, "is a hard link to the .whiskey folder itself");
      if (auto why = through_link(target_rel); !why.empty()) {
        throw unsafe(name, "is a hard link to '" + std::string(hardlink) + "', which " +
                               (links.count(target_rel) ? std::string("is a link") : why));
      }
      archive_entry_set_hardlink(entry, (root / target_rel).c_str());
    } else if (type == AE_IFLNK) {
      const char* target = archive_entry_symlink(entry);
      if (!target || !symlink_stays_inside(rel, target)) {
        throw unsafe(name, std::string("is a link that points outside .whiskey (to '") +
                               (target ? target : "") + "')");
      }
    } else if (type != AE_IFREG && type != AE_IFDIR) {
      throw unsafe(name,
                   "is a device, FIFO or socket; a bundle holds only files, folders and "
                   "links");
    }
    mode_t perm = archive_entry_perm(entry);
    if (perm & (S_ISUID | S_ISGID)) throw unsafe(name, "has the setuid or setgid bit");
    // Keep the tree removable and readable by its owner whatever the archive says.
    archive_entry_set_perm(entry, (perm & 0777) | (type == AE_IFDIR ? 0700 : 0600));

    if (rel.empty()) continue;  // .whiskey/ itself: dest already exists
    if (auto why = through_link(rel); !why.empty()) throw unsafe(name, why);
    top.insert(rel.substr(0, rel.find('/')));
    if (type == AE_IFREG && !hardlink) {
      auto size = archive_entry_size(entry);
      if (size > 0) stats.bytes += static_cast<std::uint64_t>(size);
      if (stats.bytes > limits.max_bytes) {
        throw BundleError(BundleError::Kind::kTooLarge,
                          "unpacks to more than " + std::to_string(limits.max_bytes) + " bytes",
                          name);
      }
    }
    archive_entry_set_pathname(entry, (root / rel).c_str());
    if (archive_write_header(out, entry) < ARCHIVE_WARN) {
      const char* msg = archive_error_string(out);
      throw unsafe(name, std::string("cannot be written") + (msg ? std::string(": ") + msg : ""));
    }
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    while (true) {
      r = archive_read_data_block(in, &block, &size, &offset);
      if (r == ARCHIVE_EOF) break;
      check(r, BundleError::Kind::kCorrupt, "the archive is damaged or cut short");
      if (archive_write_data_block(out, block, size, offset) < ARCHIVE_WARN) {
        const char* msg = archive_error_string(out);
        throw std::runtime_error("writing '" + rel + "': " + (msg ? msg : "unknown error"));
      }
    }
    if (archive_write_finish_entry(out) < ARCHIVE_WARN) {
      const char* msg = archive_error_string(out);
      throw std::runtime_error("writing '" + rel + "': " + (msg ? msg : "unknown error"));
    }
    if (type == AE_IFLNK && !hardlink) links.insert(rel);
  }
  // The tar archive ended: what follows it, to the end of the compressed
  // stream, is read and checked before the unpack counts as done.
  try {
    feed.finish(in);
  } catch (const StreamError& e) {
    throw bundle_error(e);
  }
  if (archive_write_close(out) < ARCHIVE_WARN) {
    const char* msg = archive_error_string(out);
    throw std::runtime_error(std::string("finishing the unpack: ") + (msg ? msg : "unknown error"));
  }
  if (top.empty()) {
    throw BundleError(BundleError::Kind::kEmpty, "the archive has nothing under .whiskey/");
  }
  stats.top_level.assign(top.begin(), top.end());
  return stats;
}

/// Reads what is left of the decompressed stream, at most `max_bytes` of it,
/// and lets only the decoder's BundleError out: damage further on, which the
/// compressor's own checks found.
void damage_further_on(ByteStream& tar, std::uint64_t max_bytes) {
  std::uint64_t read = 0;
  try {
    for (auto chunk = tar.read(); !chunk.empty() && read <= max_bytes; chunk = tar.read()) {
      read += chunk.size();
    }
  } catch (const BundleError&) {
    throw;
  } catch (...) {
    // The stream's own failure: the caller reads on, and finds it.
  }
}

}  // namespace

UnpackStats unpack_bundle(ByteStream& src, const std::filesystem::path& dest,
                          const UnpackLimits& limits) {
  // A canonical destination, so libarchive's symlink checks see no link in
  // the prefix that is ours.
  const std::filesystem::path root = std::filesystem::canonical(dest);
  std::unique_ptr<archive, ReadDeleter> in(archive_read_new());
  std::unique_ptr<archive, WriteDeleter> out(archive_write_disk_new());
  if (!in || !out) throw std::runtime_error("cannot initialise libarchive");
  if (archive_read_support_format_tar(in.get()) != ARCHIVE_OK) {  // decompressed by `tar` below
    throw std::runtime_error("cannot initialise libarchive's tar reader");
  }
  // Our own checks run first; NODOTDOT is libarchive's second line of
  // defence. (NOABSOLUTEPATHS cannot be used: we hand it absolute paths under
  // `root`.) Its SECURE_SYMLINKS is not used: it opens every folder of every
  // path again, a fifth of the unpack's time. The links below are checked
  // exactly instead: `root` starts empty, so the only links in it are those
  // the archive made, and no entry may be written through one of them.
  archive_write_disk_set_options(
      out.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT);
  if (!std::filesystem::is_empty(root)) {
    throw std::runtime_error("unpacking into '" + root.string() + "': the folder is not empty");
  }
  Decompressed tar(src);
  TarFeed feed(tar);
  try {
    return write_entries(in.get(), out.get(), feed, root, limits);
  } catch (const BundleError& e) {
    // What the archive holds was refused before the compressed stream was
    // read to its end. When the compressor's own checks fail further on,
    // that damage explains the refusal (a flipped byte makes garbage of a
    // tar header) and is what is reported. A bomb is not read on.
    if (feed.error() || e.kind == BundleError::Kind::kTooLarge) throw;
    damage_further_on(tar, limits.max_bytes);
    throw;
  }
}

}  // namespace whiskey
