# shellcheck shell=bash
#
# The Cloud Native Buildpacks flow driven as a lifecycle drives it (buildpack
# API 0.10): an app folder as the working directory, a platform folder with
# the config vars in env/, the buildpack's layers folder; then the layers'
# environment applied as the lifecycle's launcher applies it, and the web
# process of launch.toml started. A stand-in for a Python CNB after this one
# builds the app's requirements into a layer of its own.
#
#   . "${BUILDPACK_HOME}/test/support/cnb.sh"
#   cnb_dirs                   # CNB_ROOT, CNB_APP, CNB_PLATFORM, CNB_LAYERS, CNB_PY_LAYERS

# cnb_dirs: a fresh set of folders, outside the test runner's private folder
# (Apache's children run as another user when the tests run as root), and
# CNB_TMP, the web process's TMPDIR: as /tmp, anyone may write there, the
# sticky bit keeps each user's own.
cnb_dirs() {
  CNB_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/whiskey-cnb.XXXXXX")
  chmod 755 "$CNB_ROOT"
  CNB_APP="$CNB_ROOT/workspace"
  CNB_PLATFORM="$CNB_ROOT/platform"
  CNB_LAYERS="$CNB_ROOT/layers/whiskey_mod-wsgi"
  CNB_PY_LAYERS="$CNB_ROOT/layers/python-standin"
  CNB_TMP="$CNB_ROOT/tmp"
  mkdir -p "$CNB_APP" "$CNB_PLATFORM/env" "$CNB_LAYERS" "$CNB_PY_LAYERS" "$CNB_ROOT/home" "$CNB_TMP"
  chmod 1777 "$CNB_TMP"
}

# cnb_detect [BUILDPACK]: bin/detect as the lifecycle runs it; its status.
cnb_detect() {
  local bp=${1:-$BUILDPACK_HOME}
  (cd "$CNB_APP" && CNB_PLATFORM_DIR="$CNB_PLATFORM" CNB_BUILD_PLAN_PATH="$CNB_ROOT/plan.toml" \
    CNB_BUILDPACK_DIR="$bp" "$bp/bin/detect")
}

# cnb_build [BUILDPACK]: bin/build as the lifecycle runs it, captured
# (STD_OUT, STD_ERR, RETURN).
cnb_build() {
  local bp=${1:-$BUILDPACK_HOME}
  printf '[[entries]]\n' >"$CNB_ROOT/bp-plan.toml"
  capture bash -c 'cd "$1" && exec env CNB_LAYERS_DIR="$2" CNB_PLATFORM_DIR="$3" \
      CNB_BP_PLAN_PATH="$4" CNB_BUILDPACK_DIR="$5" "$5/bin/build"' \
    bash "$CNB_APP" "$CNB_LAYERS" "$CNB_PLATFORM" "$CNB_ROOT/bp-plan.toml" "$bp"
}

# cnb_apply_env DIR: the lifecycle's rules for a layer's env files:
# NAME.override (or bare NAME), NAME.default, NAME.prepend and NAME.append
# (joined with NAME.delim).
cnb_apply_env() {
  local dir=$1 file base var action val delim cur
  [ -d "$dir" ] || return 0
  for file in "$dir"/*; do
    [ -f "$file" ] || continue
    base=$(basename "$file")
    case "$base" in
      *.delim) continue ;;
      *.override | *.default | *.prepend | *.append) var=${base%.*} action=${base##*.} ;;
      *) var=$base action=override ;;
    esac
    val=$(cat "$file")
    delim=$(cat "$dir/$var.delim" 2>/dev/null)
    cur=${!var:-}
    case "$action" in
      override) export "$var=$val" ;;
      default) [ -n "${!var+set}" ] || export "$var=$val" ;;
      prepend) export "$var=$val${cur:+$delim$cur}" ;;
      append) export "$var=${cur:+$cur$delim}$val" ;;
    esac
  done
}

# cnb_layer_types LAYER_TOML: "launch build cache" as the file says (true/false).
cnb_layer_types() {
  python3 -c 'import sys, tomllib
t = tomllib.load(open(sys.argv[1], "rb")).get("types", {})
print(" ".join(str(t.get(k, False)).lower() for k in ("launch", "build", "cache")))' "$1"
}

# cnb_toml_get FILE KEY.PATH: a value of a TOML file (lists joined by spaces).
cnb_toml_get() {
  python3 -c 'import sys, tomllib
v = tomllib.load(open(sys.argv[1], "rb"))
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(" ".join(v) if isinstance(v, list) else v)' "$1" "$2"
}

# cnb_python_buildpack: the stand-in for a Python CNB after this one: this
# buildpack's build layers' environment applied (bin/ on PATH, env/ and
# env.build/), then a Python with the app's requirements in a launch layer.
cnb_python_buildpack() {
  local log="$CNB_ROOT/python-standin.log"
  (
    for toml in "$CNB_LAYERS"/*.toml; do
      layer=${toml%.toml}
      [ -d "$layer" ] || continue
      [ "$(cnb_layer_types "$toml" | cut -d' ' -f2)" = true ] || continue
      [ -d "$layer/bin" ] && PATH="$layer/bin:$PATH"
      cnb_apply_env "$layer/env"
      cnb_apply_env "$layer/env.build"
    done
    cd "$CNB_APP" &&
      /usr/bin/python3 -m venv "$CNB_PY_LAYERS/python" &&
      "$CNB_PY_LAYERS/python/bin/python3" -m pip install -q --disable-pip-version-check \
        -r requirements.txt
  ) >"$log" 2>&1 || {
    cat "$log" >&2
    return 1
  }
  printf '[types]\nlaunch = true\n' >"$CNB_PY_LAYERS/python.toml"
}

# cnb_start PORT [VAR=VALUE...]: the web process of launch.toml, as the
# lifecycle's launcher starts it: every launch layer's bin/ on PATH and its
# env/ and env.launch/ applied, in the app folder, with HOME elsewhere (as
# in a CNB image) and TMPDIR CNB_TMP, in its own session; as the user
# CNB_RUN_AS (with its groups) when that names one. Sets WEB_PID and WEB_LOG.
cnb_start() {
  local port=$1 as=()
  shift
  WEB_LOG="$CNB_ROOT/web.log"
  if [ -n "${CNB_RUN_AS:-}" ]; then
    as=(setpriv --reuid="$CNB_RUN_AS" --regid="$(id -g "$CNB_RUN_AS")" --init-groups)
  fi
  (
    for assignment in "$@"; do export "${assignment?}"; done
    export PATH=/usr/local/bin:/usr/bin:/bin HOME="$CNB_ROOT/home" PORT="$port" TMPDIR="$CNB_TMP"
    unset LD_LIBRARY_PATH
    for toml in "$CNB_LAYERS"/*.toml "$CNB_PY_LAYERS"/*.toml; do
      layer=${toml%.toml}
      [ "$(basename "$toml")" != launch.toml ] && [ -d "$layer" ] || continue
      [ "$(cnb_layer_types "$toml" | cut -d' ' -f1)" = true ] || continue
      [ -d "$layer/bin" ] && PATH="$layer/bin:$PATH"
      [ -d "$layer/lib" ] && export LD_LIBRARY_PATH="$layer/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      cnb_apply_env "$layer/env"
      cnb_apply_env "$layer/env.launch"
    done
    mapfile -t argv < <(python3 -c 'import sys, tomllib
p = [p for p in tomllib.load(open(sys.argv[1], "rb"))["processes"] if p["type"] == "web"][0]
print("\n".join(p["command"] + p.get("args", [])))' "$CNB_LAYERS/launch.toml")
    cd "$CNB_APP" || exit 1
    exec setsid "${as[@]}" "${argv[@]}"
  ) > >(cat >"$WEB_LOG") 2>&1 </dev/null &
  WEB_PID=$!
}
