// Archive files on disk: packing a built .whiskey tree as a bundle (a POSIX
// ustar archive through zlib), and unpacking a source archive to build from
// (libarchive). The packing is the buildpack's own: a release package links
// libarchive statically, and any of its tar writers pulls in its table of
// every writer, and with it nettle, libxml2 and lz4.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>

namespace whiskey {

/// An archive could not be read or written; what() says which and why.
class ArchiveFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Packs `root`/.whiskey as a gzip-compressed ustar archive at `out`,
/// entries named ".whiskey/..." in sorted order, owned by 0:0 with no user
/// names, symbolic links kept as links (hard links become copies). Returns the bytes written.
/// Throws ArchiveFileError; `out` may then be partly written (the caller removes it).
std::uint64_t pack_tree(const std::filesystem::path& root, const std::filesystem::path& out);

/// Unpacks the (compressed) tar archive `archive` into the folder `dest`,
/// refusing absolute paths and ".." in entry names, and writes through
/// links (libarchive's secure extraction flags). A gzip, zstd or plain tar
/// archive is read to its end as a bundle is (src/decompress.h): a failed
/// compressor's check, an early end or data after the end is refused.
/// Returns the entries written. Throws ArchiveFileError.
std::uint64_t extract_file(const std::filesystem::path& archive, const std::filesystem::path& dest);

}  // namespace whiskey
