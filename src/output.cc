#include "output.h"

#include <cstdio>
#include <string>

namespace whiskey {
namespace {

constexpr std::string_view kBang = " !     ";

/// Writes each line of `text` behind `prefix`; an empty line gets `blank`.
void write_lines(std::ostream& os, std::string_view prefix, std::string_view blank,
                 std::string_view text) {
  while (true) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (line.empty()) {
      os << blank << '\n';
    } else {
      os << prefix << line << '\n';
    }
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

}  // namespace

void Output::step(std::string_view text) {
  out_ << "-----> " << text << '\n' << std::flush;
}

void Output::detail(std::string_view text) {
  write_lines(out_, "       ", "", text);
  out_ << std::flush;
}

void Output::block(std::ostream& os, std::string_view kind, std::string_view headline,
                   std::initializer_list<std::string_view> paragraphs) {
  os << '\n';
  std::string head(kind);
  head += headline;
  write_lines(os, kBang, " !", head);
  for (auto p : paragraphs) {
    if (p.empty()) continue;
    os << " !\n";
    write_lines(os, kBang, " !", p);
  }
  os << '\n' << std::flush;
}

void Output::warning(std::string_view headline, std::string_view body) {
  block(out_, "Warning: ", headline, {body});
}

void Output::error(const UserError& e) {
  std::string details;
  if (!e.details().empty()) details = "Details: " + e.details();
  block(err_, "Error: ", e.headline(), {e.what_happened(), e.what_to_do(), details});
}

std::string human_bytes(unsigned long long bytes) {
  char buf[32];
  if (bytes < 1024) {
    std::snprintf(buf, sizeof buf, "%llu B", bytes);
  } else if (bytes < 1024ull * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024);
  } else if (bytes < 1024ull * 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024));
  } else {
    std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / (1024.0 * 1024 * 1024));
  }
  return buf;
}

}  // namespace whiskey
