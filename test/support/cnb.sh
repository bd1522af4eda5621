# shellcheck shell=bash
#
# bin/build called as the lifecycle calls it (buildpack API 0.10), for the
# cases test/lifecycle_test.sh cannot arrange with the real lifecycle: an app
# folder as the working directory, a platform folder with the config vars in
# env/, the buildpack's layers folder.
#
#   . "${BUILDPACK_HOME}/test/support/cnb.sh"   # after helpers.sh (captureExact)
#   cnb_dirs                   # CNB_ROOT, CNB_APP, CNB_PLATFORM, CNB_LAYERS

# cnb_dirs: a fresh set of folders, outside the test runner's private folder
# (Apache's children run as another user when the tests run as root).
cnb_dirs() {
  CNB_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/whiskey-cnb.XXXXXX")
  chmod 755 "$CNB_ROOT"
  CNB_APP="$CNB_ROOT/workspace"
  CNB_PLATFORM="$CNB_ROOT/platform"
  CNB_LAYERS="$CNB_ROOT/layers/whiskey_mod-wsgi"
  mkdir -p "$CNB_APP" "$CNB_PLATFORM/env" "$CNB_LAYERS"
}

# cnb_build [BUILDPACK]: bin/build as the lifecycle runs it (its arguments
# and its variables, in the app's folder), captured (STD_OUT, STD_ERR, RETURN).
cnb_build() {
  local bp=${1:-$BUILDPACK_HOME}
  printf '[[entries]]\n' >"$CNB_ROOT/bp-plan.toml"
  captureExact bash -c 'cd "$1" && exec env CNB_LAYERS_DIR="$2" CNB_PLATFORM_DIR="$3" \
      CNB_BP_PLAN_PATH="$4" CNB_BUILDPACK_DIR="$5" "$5/bin/build" "$2" "$3" "$4"' \
    bash "$CNB_APP" "$CNB_LAYERS" "$CNB_PLATFORM" "$CNB_ROOT/bp-plan.toml" "$bp"
}

# cnb_toml_get FILE KEY.PATH: a value of a TOML file (lists joined by spaces).
cnb_toml_get() {
  python3 -c 'import sys, tomllib
v = tomllib.load(open(sys.argv[1], "rb"))
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(" ".join(v) if isinstance(v, list) else v)' "$1" "$2"
}

