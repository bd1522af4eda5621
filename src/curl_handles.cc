#include "curl_handles.h"

#include <algorithm>
#include <cctype>

namespace whiskey {

void record_header_line(std::string_view line, std::map<std::string, std::string>& headers) {
  if (line.rfind("HTTP/", 0) == 0) {
    headers.clear();
    return;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  auto first = value.find_first_not_of(" \t");
  auto last = value.find_last_not_of(" \t\r\n");
  headers[name] =
      first == std::string_view::npos ? "" : std::string(value.substr(first, last - first + 1));
}

std::string xml_field(std::string_view body, std::string_view tag) {
  std::string open = "<" + std::string(tag) + ">";
  auto start = body.find(open);
  if (start == std::string_view::npos) return {};
  start += open.size();
  auto end = body.find("</" + std::string(tag) + ">", start);
  if (end == std::string_view::npos) return {};
  return std::string(body.substr(start, std::min<std::size_t>(end - start, 200)));
}

}  // namespace whiskey
