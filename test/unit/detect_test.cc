#include "detect.h"

#include <catch2/catch.hpp>

#include "memory_disk.h"

using namespace whiskey;

TEST_CASE("names_mod_wsgi: the ways a dependency file names mod_wsgi", "[detect]") {
  for (const char* text : {
           "mod_wsgi==5.0.0",
           "Mod-WSGI>=4",
           "mod.wsgi",
           "MOD_WSGI",
           "flask==3.0\nmod_wsgi==5.0.0\nrequests\n",
           "mod_wsgi ; python_version >= '3.8'",
           "mod_wsgi[extras]",
           "    mod_wsgi",
           "[project]\ndependencies = [\"mod_wsgi\"]\n",
           "[tool.poetry.dependencies]\npython = \"^3.12\"\nmod-wsgi = \"^5\"\n",
           "from setuptools import setup\nsetup(name='x', install_requires=['mod_wsgi'])\n",
           "[packages]\nmod-wsgi = \"*\"\n",
           "[options]\ninstall_requires =\n    mod_wsgi>=5\n",
           "flask\r\nmod_wsgi\r\n",
       }) {
    INFO(text);
    CHECK(names_mod_wsgi(text));
  }
}

TEST_CASE("names_mod_wsgi: a '#' inside a URL is not a comment", "[detect]") {
  CHECK(names_mod_wsgi("git+https://example.com/repo.git#egg=mod_wsgi"));
  CHECK(names_mod_wsgi("mod_wsgi==5.0.2  # Apache under Heroku"));
}

TEST_CASE("names_mod_wsgi: other projects, comments and other servers", "[detect]") {
  for (const char* text : {
           "",
           "mod_wsgi-standalone",
           "mod_wsgi-standalone==5.0.0",
           "mod_wsgi-httpd==2.4.54.1",
           "mod-wsgi-httpd",
           "mod_wsgi_express",
           "mymod_wsgi",
           "xmod-wsgi",
           "# mod_wsgi",
           "   # mod_wsgi==5.0.0",
           "\t#mod_wsgi",
           "gunicorn",
           "gunicorn==22.0\nflask\n# mod_wsgi was here\n",
           "gunicorn  # was mod_wsgi",
           "flask\t# mod-wsgi later",
           "modwsgi",
           "mod wsgi",
           "mod__wsgi",
       }) {
    INFO(text);
    CHECK_FALSE(names_mod_wsgi(text));
  }
}

TEST_CASE("procfile_runs_mod_wsgi", "[detect]") {
  CHECK(procfile_runs_mod_wsgi("web: mod_wsgi-heroku-start wsgi.py"));
  CHECK(procfile_runs_mod_wsgi("web: mod_wsgi-express start-server wsgi.py --port $PORT"));
  CHECK(procfile_runs_mod_wsgi("worker: python w.py\nweb: mod_wsgi-heroku-start app.py\n"));
  CHECK(procfile_runs_mod_wsgi("web: /app/.whiskey/bin/mod_wsgi-heroku-start app.py"));

  CHECK_FALSE(procfile_runs_mod_wsgi(""));
  CHECK_FALSE(procfile_runs_mod_wsgi("web: gunicorn wsgi:app"));
  CHECK_FALSE(procfile_runs_mod_wsgi("# web: mod_wsgi-heroku-start wsgi.py\nweb: gunicorn x:y"));
  CHECK_FALSE(procfile_runs_mod_wsgi("web: mod_wsgi-express-custom start"));
  CHECK_FALSE(procfile_runs_mod_wsgi("web: MOD_WSGI-EXPRESS start-server"));
  CHECK_FALSE(procfile_runs_mod_wsgi("web: my-mod_wsgi-heroku-start x"));
}

TEST_CASE("detect_app on in-memory apps", "[detect]") {
  MemoryDisk disk;
  const std::filesystem::path app = "/app";

  SECTION("requirements.txt") {
    disk.add_file("/app/requirements.txt", "flask\nmod_wsgi==5.0.0\n");
    CHECK(detect_app(disk, app) == "requirements.txt names mod_wsgi");
  }
  SECTION("pyproject.toml, Pipfile, setup.py, setup.cfg") {
    disk.add_file("/app/requirements.txt", "flask\n");
    disk.add_file("/app/setup.cfg", "[options]\ninstall_requires = mod-wsgi\n");
    CHECK(detect_app(disk, app) == "setup.cfg names mod_wsgi");
    disk.add_file("/app/setup.py", "setup(install_requires=['mod_wsgi'])");
    CHECK(detect_app(disk, app) == "setup.py names mod_wsgi");
    disk.add_file("/app/pyproject.toml", "[project]\ndependencies = [\"mod_wsgi\"]\n");
    CHECK(detect_app(disk, app) == "pyproject.toml names mod_wsgi");
    disk.add_file("/app/Pipfile", "[packages]\nmod-wsgi = \"*\"\n");
    CHECK(detect_app(disk, app) == "Pipfile names mod_wsgi");
  }
  SECTION("requirements/*.txt") {
    disk.add_file("/app/requirements/base.txt", "flask\n");
    disk.add_file("/app/requirements/base.in", "mod_wsgi\n");
    disk.add_file("/app/requirements/prod.txt", "-r base.txt\nmod_wsgi==5.0.0\n");
    CHECK(detect_app(disk, app) == "requirements/prod.txt names mod_wsgi");
  }
  SECTION("requirements/*.in alone is not enough") {
    disk.add_file("/app/requirements/base.in", "mod_wsgi\n");
    disk.add_file("/app/requirements/x.txt.bak", "mod_wsgi\n");
    CHECK_FALSE(detect_app(disk, app).has_value());
  }
  SECTION("the Procfile") {
    disk.add_file("/app/requirements.txt", "flask\n");
    disk.add_file("/app/Procfile", "web: mod_wsgi-heroku-start wsgi.py\n");
    CHECK(detect_app(disk, app) == "the Procfile runs mod_wsgi");
  }
  SECTION("a .whiskey folder") {
    disk.add_directory("/app/.whiskey/user_vars");
    CHECK(detect_app(disk, app) == "the app has a .whiskey folder");
  }
  SECTION("a .whiskey file is not a folder") {
    disk.add_file("/app/.whiskey", "");
    CHECK_FALSE(detect_app(disk, app).has_value());
  }
  SECTION("a gunicorn app with a wsgi.py is not ours") {
    disk.add_file("/app/requirements.txt", "flask==3.0\ngunicorn==22.0\n# mod_wsgi later?\n");
    disk.add_file("/app/Procfile", "web: gunicorn wsgi:app\n");
    disk.add_file("/app/wsgi.py", "from app import app as application\n");
    disk.add_file("/app/pyproject.toml", "[project]\ndependencies = [\"mod_wsgi-standalone\"]\n");
    CHECK_FALSE(detect_app(disk, app).has_value());
  }
  SECTION("an empty app") {
    CHECK_FALSE(detect_app(disk, app).has_value());
  }
  SECTION("another app's files do not count") {
    disk.add_file("/other/requirements.txt", "mod_wsgi\n");
    CHECK_FALSE(detect_app(disk, app).has_value());
  }
}
