#include "app.h"

#include <catch2/catch.hpp>

#include "memory_disk.h"

using namespace whiskey;

namespace {

const std::filesystem::path kApp = "/app";

}  // namespace

TEST_CASE("find_entry: wsgi.py before app.py before a Django project", "[app]") {
  MemoryDisk disk;
  disk.add_file("/app/mysite/wsgi.py", "");
  disk.add_file("/app/manage.py",
                "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')");
  disk.add_file("/app/app.py", "");
  disk.add_file("/app/wsgi.py", "");
  CHECK(find_entry(disk, kApp) == "wsgi.py");

  MemoryDisk no_wsgi;
  no_wsgi.add_file("/app/mysite/wsgi.py", "");
  no_wsgi.add_file("/app/app.py", "");
  CHECK(find_entry(no_wsgi, kApp) == "app.py");

  // A folder named wsgi.py is not a script.
  MemoryDisk folder;
  folder.add_directory("/app/wsgi.py");
  folder.add_file("/app/app.py", "");
  CHECK(find_entry(folder, kApp) == "app.py");
}

TEST_CASE("find_entry: the Django project manage.py names", "[app]") {
  MemoryDisk disk;
  disk.add_file("/app/alpha/wsgi.py", "");
  disk.add_file("/app/zeta/wsgi.py", "");
  disk.add_file("/app/zeta/settings.py", "");

  SECTION("setdefault with double quotes") {
    disk.add_file("/app/manage.py",
                  "#!/usr/bin/env python\nimport os\n\ndef main():\n"
                  "    os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"zeta.settings\")\n");
    CHECK(find_entry(disk, kApp) == "zeta/wsgi.py");
  }
  SECTION("setdefault with single quotes") {
    disk.add_file("/app/manage.py",
                  "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'zeta.settings.production')");
    CHECK(find_entry(disk, kApp) == "zeta/wsgi.py");
  }
  SECTION("assignment") {
    disk.add_file("/app/manage.py", "os.environ['DJANGO_SETTINGS_MODULE'] = \"zeta.settings\"");
    CHECK(find_entry(disk, kApp) == "zeta/wsgi.py");
  }
  SECTION("a commented-out setting is passed over") {
    disk.add_file("/app/manage.py",
                  "# os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'alpha.settings')\n"
                  "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'zeta.settings')\n");
    CHECK(find_entry(disk, kApp) == "zeta/wsgi.py");
  }
  SECTION("a project that does not exist: the first one") {
    disk.add_file("/app/manage.py",
                  "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'gone.settings')");
    CHECK(find_entry(disk, kApp) == "alpha/wsgi.py");
  }
  SECTION("no manage.py: the first project in name order") {
    CHECK(find_entry(disk, kApp) == "alpha/wsgi.py");
  }
  SECTION("manage.py without settings: the first project") {
    disk.add_file("/app/manage.py", "print('hello')\n");
    CHECK(find_entry(disk, kApp) == "alpha/wsgi.py");
  }
}

TEST_CASE("find_entry: hidden folders and nothing at all", "[app]") {
  MemoryDisk disk;
  CHECK_FALSE(find_entry(disk, kApp).has_value());

  disk.add_file("/app/.venv/wsgi.py", "");
  disk.add_file("/app/.whiskey/wsgi.py", "");
  disk.add_file("/app/requirements.txt", "mod_wsgi\n");
  disk.add_file("/app/src/deep/wsgi.py", "");
  disk.add_file("/app/main.py", "");
  CHECK_FALSE(find_entry(disk, kApp).has_value());

  disk.add_file("/app/only/wsgi.py", "");
  CHECK(find_entry(disk, kApp) == "only/wsgi.py");
}

TEST_CASE("web_command and release_yaml", "[app]") {
  CHECK(web_command("wsgi.py") == "web: mod_wsgi-heroku-start wsgi.py");
  CHECK(web_command("mysite/wsgi.py") == "web: mod_wsgi-heroku-start mysite/wsgi.py");

  CHECK(release_yaml(std::nullopt) == "---\n");
  CHECK(release_yaml("wsgi.py") ==
        "---\n"
        "default_process_types:\n"
        "  web: mod_wsgi-heroku-start wsgi.py\n");
  CHECK(release_yaml("mysite/wsgi.py") ==
        "---\n"
        "default_process_types:\n"
        "  web: mod_wsgi-heroku-start mysite/wsgi.py\n");
}

TEST_CASE("procfile_has_web", "[app]") {
  CHECK(procfile_has_web("web: mod_wsgi-heroku-start wsgi.py"));
  CHECK(procfile_has_web("web:gunicorn x:y\n"));
  CHECK(procfile_has_web("worker: python w.py\nweb: gunicorn x:y\n"));
  CHECK(procfile_has_web("release: ./migrate\n\n  web: x\n"));
  CHECK(procfile_has_web("\tweb: x"));

  CHECK_FALSE(procfile_has_web(""));
  CHECK_FALSE(procfile_has_web("\n\n"));
  CHECK_FALSE(procfile_has_web("worker: python w.py\n"));
  CHECK_FALSE(procfile_has_web("webworker: python w.py\n"));
  CHECK_FALSE(procfile_has_web("# web: x\n"));
  CHECK_FALSE(procfile_has_web("worker: web: x\n"));
  CHECK_FALSE(procfile_has_web("web x\n"));
}
