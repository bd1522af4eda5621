#include "static_files.h"

#include <zlib.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "fakes.h"
#include "memory_disk.h"
#include "static_site.h"

using namespace whiskey;
using namespace whiskey::testing;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const StaticSite kSite{"/static/", "staticfiles", "project.settings"};

/// `packed` inflated as gzip, or "<bad>" when it is not.
std::string gunzip(const std::string& packed) {
  z_stream s{};
  if (inflateInit2(&s, 15 + 16) != Z_OK) return "<bad>";
  std::string out(1 << 20, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  s.avail_in = static_cast<uInt>(packed.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&s, Z_FINISH);
  inflateEnd(&s);
  if (rc != Z_STREAM_END) return "<bad>";
  out.resize(s.total_out);
  return out;
}

/// Text that compresses as style sheets do.
std::string css(int rules) {
  std::string text;
  for (int i = 0; i < rules; ++i) {
    text += ".rule-" + std::to_string(i) + " { margin: " + std::to_string(i % 9) + "px; }\n";
  }
  return text;
}

/// A compressor that marks what it was given, for tests that count copies.
std::optional<std::string> fake_brotli(std::string_view data) {
  return "br:" + std::to_string(data.size());
}

std::string probe_line(const std::string& json) {
  return "some output of the app's own\n" + std::string(kDjangoProbeMarker) + json + "\n";
}

}  // namespace

TEST_CASE("static_site: the file round-trips, and a bad one is refused with why", "[static]") {
  StaticSite back = parse_static_site(static_site_json(kSite));
  CHECK(back.url == "/static/");
  CHECK(back.root == "staticfiles");
  CHECK(back.settings == "project.settings");
  CHECK_THROWS_WITH(parse_static_site("not json"), Contains("not a JSON object"));
  CHECK_THROWS_WITH(parse_static_site(R"({"static_url": "/static/"})"), Contains("static_root"));
  CHECK_THROWS_WITH(
      parse_static_site(R"({"static_url": "/", "static_root": "s", "settings": "p"})"),
      Contains("STATIC_URL '/'"));
}

TEST_CASE("static_site_refusal: what Apache's configuration could misread, or outside the app",
          "[static]") {
  auto refusal = [](std::string url, std::string root) {
    return static_site_refusal({std::move(url), std::move(root), "p"});
  };
  CHECK(refusal("/static/", "staticfiles") == "");
  CHECK(refusal("/assets/v1/", "build/static") == "");
  CHECK_THAT(refusal("/static", "s"), Contains("ending in /"));
  CHECK_THAT(refusal("static/", "s"), Contains("below /"));
  CHECK_THAT(refusal("//static/", "s"), Contains("STATIC_URL"));
  CHECK_THAT(refusal("/st\"atic/", "s"), Contains("STATIC_URL"));
  CHECK_THAT(refusal("/${X}/", "s"), Contains("STATIC_URL"));
  CHECK_THAT(refusal("/%1/", "s"), Contains("STATIC_URL"));
  CHECK_THAT(refusal("/static/", "files%2"), Contains("STATIC_ROOT"));
  CHECK_THAT(refusal("/static/", "/app/staticfiles"), Contains("not a folder inside the app"));
  CHECK_THAT(refusal("/static/", "../elsewhere"), Contains("STATIC_ROOT"));
  CHECK_THAT(refusal("/static/", "a/../../b"), Contains("STATIC_ROOT"));
  CHECK_THAT(refusal("/static/", "."), Contains("STATIC_ROOT"));
  CHECK_THAT(refusal("/static/", "static\nfiles"), Contains("STATIC_ROOT"));
  CHECK_THAT(refusal("/static/", "sta\\tic"), Contains("STATIC_ROOT"));
}

TEST_CASE("compressible: text files by their extension", "[static]") {
  for (const char* name :
       {"a.css", "app.3f2a9c1b7d4e.js", "x.JSON", "i.svg", "m.js.map", "f.ttf"}) {
    CHECK(compressible(name));
  }
  for (const char* name : {"a.png", "b.woff2", "c.css.gz", "d.js.br", "css", ".css", "x/.js"}) {
    CHECK_FALSE(compressible(name));
  }
}

TEST_CASE("static_plan: served unless turned off, given by the Procfile, or gone", "[static]") {
  CHECK(static_plan({}, {"wsgi.py"}, std::nullopt, false).line.empty());

  StaticPlan on = static_plan({}, {"wsgi.py"}, kSite, true);
  CHECK(on.serve);
  CHECK_THAT(on.line, Contains("(/static/) served by Apache from staticfiles"));
  CHECK(static_plan({{"WHISKEY_STATIC_FILES", "on"}}, {}, kSite, true).serve);

  for (const char* off : {"off", "0", "False", "NO"}) {
    StaticPlan p = static_plan({{"WHISKEY_STATIC_FILES", off}}, {}, kSite, true);
    CHECK_FALSE(p.serve);
    CHECK_THAT(p.line, Contains("are left to the app"));
  }
  CHECK_THROWS_WITH(static_plan({{"WHISKEY_STATIC_FILES", "maybe"}}, {}, kSite, true),
                    Contains("set it to off"));

  for (const char* mount : {"/static", "/static/", "/static//"}) {
    StaticPlan p = static_plan({}, {"wsgi.py", "--url-alias", mount, "static"}, kSite, true);
    CHECK_FALSE(p.serve);
    CHECK_THAT(p.line, Contains("the Procfile's --url-alias serves them"));
  }
  CHECK(static_plan({}, {"--url-alias", "/media", "media"}, kSite, true).serve);

  StaticPlan gone = static_plan({}, {}, kSite, false);
  CHECK_FALSE(gone.serve);
  CHECK_THAT(gone.line, Contains("is not in the app"));
}

TEST_CASE("static_conf_text: an alias, compressed copies, and caching by name", "[static]") {
  std::string conf = static_conf_text(kSite, "/app/staticfiles");
  CHECK_THAT(conf, Contains("Alias \"/static/\" \"/app/staticfiles/\"\n"));
  CHECK_THAT(conf, Contains("<Directory \"/app/staticfiles\">"));
  CHECK_THAT(conf, Contains("RewriteBase \"/static/\""));
  CHECK_THAT(conf, Contains("    Options FollowSymLinks\n"));  // per-directory rules need it
  CHECK_THAT(conf, Contains("    EnableSendfile On\n"));
  // Brotli first, then gzip.
  auto br = conf.find("RewriteCond \"%{REQUEST_FILENAME}.br\" -f");
  auto gz = conf.find("RewriteCond \"%{REQUEST_FILENAME}.gz\" -f");
  CHECK(br != std::string::npos);
  CHECK(gz != std::string::npos);
  CHECK(br < gz);
  CHECK_THAT(conf, Contains("AddEncoding br .br"));
  CHECK_THAT(conf, Contains("AddEncoding gzip .gz"));
  CHECK_THAT(conf, Contains("Header merge Vary Accept-Encoding"));
  CHECK_THAT(conf, Contains("<FilesMatch \"\\.[0-9a-f]{12}\\.\">"));
  CHECK_THAT(conf, Contains("public, max-age=315360000, immutable"));
  CHECK_THAT(conf, Contains("Header set Cache-Control \"public, max-age=60\""));
}

TEST_CASE("parse_django_probe: the marked line, after whatever the app printed", "[static]") {
  DjangoSettings none = parse_django_probe(probe_line(R"({"django": false})"));
  CHECK_FALSE(none.django);

  DjangoSettings s = parse_django_probe(probe_line(
      R"({"django": true, "settings": "p.settings", "static_url": "/static/", "static_root": "/b/s"})"));
  CHECK(s.django);
  CHECK(s.settings == "p.settings");
  CHECK(s.static_url == "/static/");
  CHECK(s.static_root == "/b/s");
  CHECK(s.error.empty());

  DjangoSettings e = parse_django_probe(
      probe_line(R"({"django": true, "settings": "p", "error": "KeyError: 'SECRET_KEY'"})"));
  CHECK(e.error == "KeyError: 'SECRET_KEY'");
  CHECK_FALSE(e.static_root);

  CHECK_THROWS_WITH(parse_django_probe("Traceback (most recent call last):\n"),
                    Contains("printed no answer"));
  CHECK_THROWS_WITH(parse_django_probe(probe_line("[1, 2]")), Contains("another shape"));
  CHECK_THROWS_WITH(parse_django_probe(probe_line(R"({"django": true, "static_url": 3})")),
                    Contains("static_url is not text"));
}

TEST_CASE("static_site_for: a local URL and a collected folder inside the app", "[static]") {
  MemoryDisk disk;
  disk.add_file("/build/staticfiles/staticfiles.json", "{}");
  DjangoSettings s{true, "p.settings", "/static/", "/build/staticfiles", ""};
  auto site = static_site_for(s, "/build", disk);
  REQUIRE(std::holds_alternative<StaticSite>(site));
  CHECK(std::get<StaticSite>(site).root == "staticfiles");
  CHECK(std::get<StaticSite>(site).settings == "p.settings");

  auto why = [&](DjangoSettings d) {
    auto r = static_site_for(d, "/build", disk);
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "<served>";
  };
  CHECK(why({true, "p", "https://cdn.example.com/s/", "/build/staticfiles", ""}) ==
        "STATIC_URL is https://cdn.example.com/s/, another host");
  CHECK(why({true, "p", "/static/", std::nullopt, ""}) == "STATIC_ROOT is not set");
  CHECK(why({true, "p", std::nullopt, "/build/staticfiles", ""}) == "STATIC_URL is not set");
  CHECK(why({true, "p", "/static/", "/app/staticfiles", ""}) ==
        "STATIC_ROOT /app/staticfiles is not in the app");
  CHECK(why({true, "p", "/static/", "/build/collected", ""}) ==
        "STATIC_ROOT collected is not there: collectstatic did not run");
  CHECK(why({true, "p", "/", "/build/staticfiles", ""}).starts_with("STATIC_URL '/'"));
}

TEST_CASE("gzip_bytes: a gzip member of the same bytes", "[static]") {
  std::string text = css(200);
  auto packed = gzip_bytes(text);
  REQUIRE(packed);
  CHECK(packed->size() < text.size() / 3);
  CHECK(gunzip(*packed) == text);
  auto empty = gzip_bytes("");
  REQUIRE(empty);
  CHECK(gunzip(*empty) == "");
}

TEST_CASE("system_brotli: when the system has libbrotlienc, a smaller copy", "[static]") {
  Compressor brotli = system_brotli();
  if (!brotli) return;  // the system has none: the build then writes .gz copies only
  std::string text = css(200);
  auto packed = brotli(text);
  REQUIRE(packed);
  CHECK(packed->size() < gzip_bytes(text)->size());
}

TEST_CASE("precompress: copies beside text files worth it, none twice", "[static]") {
  MemoryDisk disk;
  const fs::path root = "/build/staticfiles";
  disk.add_file(root / "css/site.0123456789ab.css", css(100));
  disk.add_file(root / "js/app.js", css(80));
  disk.add_file(root / "js/app.js.gz", "made by WhiteNoise");
  disk.add_file(root / "img/logo.png", css(100));  // not text
  disk.add_file(root / "tiny.css", "a{}");         // too small to matter
  disk.add_file(root / "random.txt", std::string(2000, '\0') + "x");
  Compressor none_smaller = [](std::string_view data) {
    return std::optional<std::string>(std::string(data.size(), 'z'));
  };

  PrecompressStats stats = precompress(root, disk, gzip_bytes, fake_brotli);
  CHECK(stats.files == 4);
  CHECK(stats.gzip == 2);  // site.css and random.txt; app.js has its own
  CHECK(stats.kept == 1);
  CHECK(gunzip(*disk.read_file(root / "css/site.0123456789ab.css.gz")) == css(100));
  CHECK(*disk.read_file(root / "js/app.js.gz") == "made by WhiteNoise");
  CHECK(disk.is_file(root / "js/app.js.br"));
  CHECK_FALSE(disk.is_file(root / "img/logo.png.gz"));
  CHECK_FALSE(disk.is_file(root / "tiny.css.gz"));
  CHECK(stats.gzip_out < stats.gzip_in);

  // A second build finds every copy there; a compressor that saves nothing
  // writes none.
  PrecompressStats again = precompress(root, disk, gzip_bytes, fake_brotli);
  CHECK(again.gzip == 0);
  CHECK(again.brotli == 0);
  MemoryDisk other;
  other.add_file(root / "a.css", css(50));
  CHECK(precompress(root, other, none_smaller, {}).gzip == 0);
  CHECK_FALSE(other.is_file(root / "a.css.gz"));
}

TEST_CASE("django_static_step: what the app's Django said, into the build", "[static]") {
  MemoryDisk disk;
  const fs::path app = "/build";
  disk.add_file(app / "manage.py",
                "os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"p.settings\")\n");
  disk.add_file(app / ".heroku/python/bin/python3", "", true);
  disk.add_file(app / "staticfiles/site.css", css(100));
  FakeRunner runner;
  FakeClock clock;
  std::ostringstream out, err;
  Output output{out, err};
  const std::string found = probe_line(
      R"({"django": true, "settings": "p.settings", "static_url": "/static/", "static_root": "/build/staticfiles"})");

  SECTION("a site: compressed copies and the file the launcher reads") {
    runner.answers = {{"mod_wsgi-heroku-django-static", {0, found}}};
    django_static_step(app, app / ".whiskey", {{"SECRET_KEY", "s"}, {"PATH", "/bin"}}, disk, runner,
                       output, clock, kNoPythonClassic, fake_brotli);
    REQUIRE(runner.calls.size() == 1);
    CHECK(runner.calls[0][0] == "/build/.heroku/python/bin/python3");
    CHECK(runner.calls[0].back() == "/build");
    CHECK(runner.envs[0].at("SECRET_KEY") == "s");  // config vars, as collectstatic has them
    CHECK(runner.envs[0].at("DJANGO_SETTINGS_MODULE") == "p.settings");  // as manage.py says
    CHECK(runner.envs[0].at("PATH").starts_with("/build/.heroku/python/bin:"));
    CHECK(parse_static_site(*disk.read_file(app / kStaticSitePath)).root == "staticfiles");
    CHECK(disk.is_file(app / "staticfiles/site.css.gz"));
    CHECK(disk.is_file(app / "staticfiles/site.css.br"));
    CHECK_THAT(out.str(), Contains("-----> Django's static files"));
    CHECK_THAT(out.str(), Contains("/static/ from staticfiles (p.settings): Apache serves them"));
    CHECK_THAT(out.str(), Contains("Compressed copies: 1 gzip"));
  }
  SECTION("the DJANGO_SETTINGS_MODULE config var wins over manage.py") {
    runner.answers = {{"mod_wsgi-heroku-django-static", {0, found}}};
    django_static_step(app, app / ".whiskey", {{"DJANGO_SETTINGS_MODULE", "p.production"}}, disk,
                       runner, output, clock, kNoPythonClassic, fake_brotli);
    CHECK(runner.envs.at(0).at("DJANGO_SETTINGS_MODULE") == "p.production");
  }
  SECTION("no manage.py: not a word") {
    MemoryDisk plain;
    django_static_step(app, app / ".whiskey", {}, plain, runner, output, clock, kNoPythonClassic);
    CHECK(runner.calls.empty());
    CHECK(out.str().empty());
  }
  SECTION("no Python yet: says why, and what to do") {
    MemoryDisk early;
    early.add_file(app / "manage.py", "");
    django_static_step(app, app / ".whiskey", {}, early, runner, output, clock, kNoPythonCnb);
    CHECK(runner.calls.empty());
    CHECK_THAT(out.str(), Contains("Left to the app: the Python buildpack runs after this one"));
  }
  SECTION("settings that do not load: a warning, and the build goes on") {
    runner.answers = {
        {"mod_wsgi-heroku-django-static",
         {0,
          probe_line(
              R"({"django": true, "settings": "p.settings", "error": "KeyError: 'SECRET_KEY'"})")}}};
    django_static_step(app, app / ".whiskey", {}, disk, runner, output, clock, kNoPythonClassic,
                       fake_brotli);
    CHECK_THAT(out.str(), Contains("Django's static files are left to the app"));
    CHECK_THAT(out.str(), Contains("KeyError: 'SECRET_KEY'"));
    CHECK_FALSE(disk.is_file(app / kStaticSitePath));
  }
  SECTION("a Python that fails before answering: a warning with its output") {
    runner.answers = {{"mod_wsgi-heroku-django-static", {1, "Segmentation fault\n"}}};
    django_static_step(app, app / ".whiskey", {}, disk, runner, output, clock, kNoPythonClassic,
                       fake_brotli);
    CHECK_THAT(out.str(), Contains("exit status 1"));
    CHECK_THAT(out.str(), Contains("Segmentation fault"));
    CHECK_FALSE(disk.is_file(app / kStaticSitePath));
  }
  SECTION("no Django, no STATIC_ROOT: a detail line, no file") {
    runner.answers = {{"mod_wsgi-heroku-django-static", {0, probe_line(R"({"django": false})")}}};
    django_static_step(app, app / ".whiskey", {}, disk, runner, output, clock, kNoPythonClassic,
                       fake_brotli);
    CHECK_THAT(out.str(), Contains("the app's Python has no Django"));
    runner.answers = {
        {"mod_wsgi-heroku-django-static",
         {0, probe_line(R"({"django": true, "settings": "p", "static_url": "/static/"})")}}};
    django_static_step(app, app / ".whiskey", {}, disk, runner, output, clock, kNoPythonClassic,
                       fake_brotli);
    CHECK_THAT(out.str(), Contains("Left to the app: STATIC_ROOT is not set (in p)"));
    CHECK_FALSE(disk.is_file(app / kStaticSitePath));
  }
}
