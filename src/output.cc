#include "output.h"

#include <cstdio>
#include <regex>
#include <string>
#include <vector>

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

/// `assignments` ("A=1 B=$(x y) C=3") split before each NAME=.
std::vector<std::string> split_assignments(const std::string& assignments) {
  static const std::regex next_name(R"( +(?=[A-Za-z_][A-Za-z0-9_]*=))");
  std::vector<std::string> out;
  std::sregex_token_iterator it(assignments.begin(), assignments.end(), next_name, -1), end;
  for (; it != end; ++it) {
    if (it->length() > 0) out.push_back(*it);
  }
  return out;
}

}  // namespace

std::string cnb_advice(std::string_view text) {
  static const std::regex config_set(R"(^( *)heroku config:set (.+)$)");
  static const std::regex config_unset(R"(^( *)heroku config:unset (.+)$)");
  static const std::regex stack_set(R"(^( *)heroku stack:set heroku-([0-9]+)$)");
  static const std::regex buildpacks_add(R"(^( *)heroku buildpacks:add (?:--index [0-9]+ )?(.+)$)");
  std::string out;
  bool named_vars = false;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto nl = text.find('\n', pos);
    // The matches point into `line`: the rewritten line is built apart.
    const std::string line(
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    std::string shown = line;
    std::smatch m;
    if (std::regex_match(line, m, config_set)) {
      shown = m[1].str() + "pack build my-app";
      for (const auto& a : split_assignments(m[2].str())) shown += " --env " + a;
      named_vars = true;
    } else if (std::regex_match(line, m, config_unset)) {
      shown = m[1].str() + "leave " + m[2].str() +
              " out of the build's environment (pack build --env, the platform's env/)";
    } else if (std::regex_match(line, m, stack_set)) {
      shown = m[1].str() + "pack build my-app --builder heroku/builder:" + m[2].str();
    } else if (std::regex_match(line, m, buildpacks_add)) {
      shown = m[1].str() + "pack build my-app --buildpack " + m[2].str() + " --buildpack ...";
    }
    out += shown;
    if (nl == std::string_view::npos) break;
    out += '\n';
    pos = nl + 1;
  }
  if (named_vars) {
    out +=
        "\nOther Cloud Native platforms take the same variables as the build's environment:\n"
        "one file per variable in the platform folder's env/ (kpack: spec.build.env).";
  }
  return out;
}

std::string Output::advice(std::string_view text) const {
  return platform_ == Platform::kCnb ? cnb_advice(text) : std::string(text);
}

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

void Output::warning(const UserMessage& w) {
  std::string body = w.what_happened;
  if (!w.what_to_do.empty()) body += (body.empty() ? "" : "\n") + w.what_to_do;
  block(out_, "Warning: ", w.headline, {advice(body)});
}

void Output::error(const UserMessage& e) {
  std::string details;
  if (!e.details.empty()) details = "Details: " + e.details;
  block(err_, "Error: ", e.headline, {e.what_happened, advice(e.what_to_do), details});
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
