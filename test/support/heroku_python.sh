# shellcheck shell=bash
#
# A Python built the way Heroku's Python buildpack builds its runtimes, for
# the benchmarks that compare servers running Python: shared libpython
# (--enable-shared), profile-guided and link-time optimised
# (--enable-optimizations --with-lto, which since Python 3.10 also builds
# with -fno-semantic-interposition), no static library. On a dyno both
# gunicorn and mod_wsgi run on that libpython. Debian's python3 is a
# statically linked interpreter, while its libpython3.11.so (the only one
# mod_wsgi can embed) is built without those optimisations: the same Python
# code takes 1.2 to 1.3 times as long there as in /usr/bin/python3
# (test/bench/app_call.py), a difference between the servers that no dyno
# has.
#
# Built from CPython's pristine source, which Debian's python3.11 source
# package carries (pinned by SHA-256 below), and kept in build/heroku-python
# between runs: the first build takes 25 to 35 minutes on 2 cores.
#
#   . "${BUILDPACK_HOME}/test/support/heroku_python.sh"
#   heroku_python                 # sets HEROKU_PYTHON, the built prefix
#   python_buildpack DIR "$HEROKU_PYTHON"   # (web.sh) an app built with it

HEROKU_PYTHON_VERSION=3.11.2
HEROKU_PYTHON_SOURCE=python3.11_3.11.2.orig.tar.gz
HEROKU_PYTHON_SOURCE_SHA256=2411c74bda5bbcfcddaf4531f66d1adc73f247f529aee981b029513aefdbf849
HEROKU_PYTHON_DIR="${BUILDPACK_HOME}/build/heroku-python"

# Heroku's configure options for Python 3.11 (heroku-buildpack-python,
# builds/build_python_runtime.sh), but for the prefix.
HEROKU_PYTHON_CONFIGURE=(
  --enable-loadable-sqlite-extensions --enable-optimizations --enable-option-checking=fatal
  --with-ensurepip=no --with-system-expat --enable-shared --with-lto
  --without-static-libpython --disable-test-modules
)

# _heroku_python_pinned FILE: whether FILE has the source's pinned digest.
_heroku_python_pinned() {
  [ "$(sha256sum "$1" 2>/dev/null | cut -d' ' -f1)" = "$HEROKU_PYTHON_SOURCE_SHA256" ]
}

# _heroku_python_source DIR: the pinned source in DIR, fetched unless a file
# with its digest is already there.
_heroku_python_source() {
  local dir=$1 file="$1/$HEROKU_PYTHON_SOURCE"
  _heroku_python_pinned "$file" && return 0
  # apt-get source with a source list of its own; the system's is untouched.
  local apt_dir="$dir/.apt" src=/etc/apt/sources.list.d/debian.sources
  mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial"
  [ -f "$src" ] || { echo "heroku_python: $src is missing" >&2; return 1; }
  sed 's/^Types: deb$/Types: deb deb-src/' "$src" >"$apt_dir/parts/debian.sources"
  local apt=(apt-get -qq -o Dir::Etc::SourceParts="$apt_dir/parts"
    -o Dir::State::Lists="$apt_dir/lists" -o Dir::Etc::SourceList=/dev/null)
  rm -f "$file"
  "${apt[@]}" update >/dev/null &&
    (cd "$dir" && "${apt[@]}" source --download-only python3.11 >/dev/null 2>&1)
  [ -f "$file" ] || { echo "heroku_python: apt-get source python3.11 gave no $HEROKU_PYTHON_SOURCE" >&2; return 1; }
  _heroku_python_pinned "$file" || {
    echo "heroku_python: $HEROKU_PYTHON_SOURCE does not match its pinned SHA-256" >&2
    return 1
  }
}

heroku_python() {
  local want stamp="$HEROKU_PYTHON_DIR/.recipe"
  want="$HEROKU_PYTHON_VERSION ${HEROKU_PYTHON_CONFIGURE[*]}"
  HEROKU_PYTHON="$HEROKU_PYTHON_DIR/python"
  export HEROKU_PYTHON
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && [ -x "$HEROKU_PYTHON/bin/python3" ] && return 0
  echo "Building Python $HEROKU_PYTHON_VERSION as Heroku builds it (about half an hour; kept in build/heroku-python)" >&2
  local log="$HEROKU_PYTHON_DIR.log" src="$HEROKU_PYTHON_DIR/src"
  rm -rf "$HEROKU_PYTHON" "$src" "$stamp"
  mkdir -p "$HEROKU_PYTHON_DIR" "$src"
  _heroku_python_source "$HEROKU_PYTHON_DIR" || return 1
  # (set -e would not hold inside a subshell followed by ||: hence the &&.)
  (
    tar xzf "$HEROKU_PYTHON_DIR/$HEROKU_PYTHON_SOURCE" -C "$src" --strip-components=1 &&
      cd "$src" &&
      ./configure --prefix="$HEROKU_PYTHON" "${HEROKU_PYTHON_CONFIGURE[@]}" &&
      make -j "$(nproc)" &&
      make install &&
      # pip, from the wheel CPython carries (Heroku installs its own pip).
      LD_LIBRARY_PATH="$HEROKU_PYTHON/lib" "$HEROKU_PYTHON/bin/python3" -m ensurepip
  ) >"$log" 2>&1 || {
    tail -n 30 "$log" >&2
    return 1
  }
  rm -rf "$src"
  echo "$want" >"$stamp"
}
