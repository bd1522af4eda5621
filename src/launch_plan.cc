#include "launch_plan.h"

namespace whiskey {
namespace fs = std::filesystem;
namespace {

/// The value of `name` in `env`, else `fallback`; an empty value counts as unset.
std::string value_or(const Vars& env, const std::string& name, const std::string& fallback = {}) {
  auto it = env.find(name);
  return it == env.end() || it->second.empty() ? fallback : it->second;
}

/// `text` as a Python string literal.
std::string py_literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

bool variable_name(const std::string& name) {
  return !name.empty() && name.find('=') == std::string::npos;
}

/// The start-up line: what Apache will run (the user's own --processes and
/// --threads win) and why.
std::string startup_line(const std::vector<std::string>& args, const std::string& port,
                         const Sizing& sizing, bool newrelic) {
  std::string processes = option_value(args, "--processes", std::to_string(sizing.processes));
  std::string threads = option_value(args, "--threads", std::to_string(sizing.threads));
  bool theirs = has_option(args, "--processes") || has_option(args, "--threads");
  return "Apache on port " + port + ", " + processes +
         (processes == "1" ? " process" : " processes") + " of " + threads +
         (threads == "1" ? " thread (" : " threads (") +
         (theirs ? "the Procfile's arguments" : sizing.why) + ")" +
         (has_option(args, "--embedded-mode") ? ", in embedded mode" : "") +
         (newrelic ? ", with New Relic" : "");
}

LaunchPlan plan_shell(const LaunchInputs& in, Vars env) {
  std::string shell = value_or(env, "SHELL", "bash");
  if (shell.find("sh") == std::string::npos) shell = "bash";
  LaunchPlan plan;
  plan.argv = {shell};
  plan.argv.insert(plan.argv.end(), in.args.begin(), in.args.end());
  plan.env = std::move(env);
  return plan;
}

/// Serves the app through the New Relic wrapper when New Relic is
/// configured and can be: `server` then names the wrapper where it named the
/// script. Returns the wrapper to write, or nullopt (with a warning in
/// `plan` when New Relic is configured).
std::optional<PlannedFile> newrelic_wrapper(const LaunchInputs& in, const Vars& env,
                                            const std::optional<std::string>& script,
                                            ServerPlan& server, LaunchPlan& plan) {
  if (!newrelic_configured(env)) return std::nullopt;
  if (!script) {
    plan.warnings.push_back(
        "New Relic is configured, but the app is not served from a script; starting without the "
        "agent");
    return std::nullopt;
  }
  if (!in.facts.newrelic_importable) {
    plan.warnings.push_back(
        "New Relic is configured, but the newrelic package is not installed (add newrelic to "
        "requirements.txt); starting without the agent");
    return std::nullopt;
  }
  fs::path wrapper = server.server_root / "newrelic-wrapper.wsgi";
  fs::path target = server.home / *script;
  if (target.is_relative()) target = in.facts.cwd / target;
  for (auto& a : server.user_args) {
    if (a == *script) {
      a = wrapper.string();
      break;
    }
  }
  server.newrelic_wrapper = true;
  return PlannedFile{
      wrapper, newrelic_wrapper_text(target, *script,
                                     option_value(in.args, "--callable-object", "application"))};
}

}  // namespace

LaunchPaths launch_paths(const Vars& env) {
  fs::path home = value_or(env, "WHISKEY_APP_DIR", value_or(env, "HOME", "/app"));
  return {home, value_or(env, "WHISKEY_BUNDLE_DIR", (home / ".whiskey").string())};
}

Vars hook_environment(const Vars& env, const LaunchPaths& at, const Vars& before,
                      const Vars& after) {
  Vars out = env;
  for (const auto& [k, v] : whiskey_variables(at.home)) out[k] = v;
  out["WHISKEY_BINDIR"] = (at.bundle / "bin").string();
  for (const auto& [k, v] : before) out[k] = v;
  for (const auto& [k, _] : before) {
    if (!after.count(k)) out.erase(k);
  }
  for (const auto& [k, v] : after) out[k] = v;
  std::erase_if(out, [](const auto& entry) { return !variable_name(entry.first); });
  return out;
}

Vars launch_environment(const Vars& env, const LaunchPaths& at, const Vars& before,
                        const Vars& after) {
  Vars out = hook_environment(env, at, before, after);
  out["LD_LIBRARY_PATH"] = library_path(at.home, value_or(out, "LD_LIBRARY_PATH"), at.bundle);
  out["PATH"] = (at.bundle / "bin").string() + ":" + (at.bundle / "apache/bin").string() + ":" +
                (at.home / ".heroku/python/bin").string() + ":" +
                value_or(out, "PATH", "/usr/bin:/bin");
  return out;
}

bool newrelic_configured(const Vars& env) {
  return !value_or(env, "NEW_RELIC_LICENSE_KEY").empty() ||
         !value_or(env, "NEW_RELIC_CONFIG_FILE").empty();
}

std::string newrelic_wrapper_text(const fs::path& target, const std::string& script,
                                  const std::string& callable) {
  return "# Written by mod_wsgi-heroku-start: New Relic around " + script +
         "\nimport runpy\nimport newrelic.agent\nnewrelic.agent.initialize()\n"
         "_script = runpy.run_path(" +
         py_literal(target.string()) + ", run_name='_mod_wsgi_heroku_app')\n" + callable +
         " = newrelic.agent.WSGIApplicationWrapper(_script[" + py_literal(callable) + "])\n";
}

LaunchPlan plan_launch(const LaunchInputs& in) {
  const LaunchPaths at = launch_paths(in.env);
  Vars env = launch_environment(in.env, at, in.user_vars_before, in.user_vars);
  if (in.shell) return plan_shell(in, std::move(env));

  const LaunchFacts& facts = in.facts;
  LaunchPlan plan;
  ServerPlan server;
  server.home = at.home;
  server.bundle = at.bundle;
  server.port = value_or(env, "PORT");
  if (server.port.empty()) {
    throw LaunchError("PORT is not set: Heroku sets it for web dynos; locally, run with PORT=5000");
  }
  server.server_root = run_dir(env, facts.uid, server.port);
  server.user_args = in.args;
  auto script = entry_script(in.args);
  if (script && !facts.script_exists) {
    throw LaunchError(
        "the WSGI script '" + *script + "' does not exist in " + at.home.string() +
        "; name your script in the Procfile: web: mod_wsgi-heroku-start myapp/wsgi.py");
  }
  if (facts.mod_wsgi_error) {
    throw LaunchError("Python (" + facts.python +
                      ") cannot load mod_wsgi: " + *facts.mod_wsgi_error +
                      "; add mod_wsgi to requirements.txt, or put heroku/python before this "
                      "buildpack");
  }
  plan.server_root = server.server_root;
  server.sizing = size_server(env, facts.memory, facts.cpus);
  server.request_timeout = value_or(env, "MOD_WSGI_REQUEST_TIMEOUT", server.request_timeout);
  server.queue_timeout = value_or(env, "MOD_WSGI_QUEUE_TIMEOUT", server.queue_timeout);
  server.access_log_format = value_or(env, "WHISKEY_ACCESS_LOG_FORMAT");
  if (auto wrapper = newrelic_wrapper(in, env, script, server, plan)) {
    plan.files.push_back(*wrapper);
  }
  if (facts.uid == 0) {
    server.run_as = {"nobody", facts.nogroup ? "nogroup" : "nobody"};
    if (!has_option(in.args, "--user")) plan.run_as = server.run_as;
  }
  LocalePlan locale = locale_plan(env, facts.locale_installed);
  server.locale = locale.locale;
  if (auto threads = front_size(in.args, server.sizing)) {
    server.front_threads = *threads;
    server.front_conf = server.server_root / "front.conf";
    plan.files.push_back({server.front_conf, front_conf_text(*threads)});
  }
  StaticPlan statics = static_plan(env, in.args, facts.static_site, facts.static_root_exists);
  if (statics.serve) {
    server.static_conf = server.server_root / "static-files.conf";
    fs::path root = at.home / facts.static_site->root;
    if (root.is_relative()) root = facts.cwd / root;
    plan.files.push_back({server.static_conf, static_conf_text(*facts.static_site, root)});
  }
  if (!facts.static_site_error.empty()) {
    plan.warnings.push_back(
        "Django's static files are left to the app: " + std::string(kStaticSitePath) + " " +
        facts.static_site_error + " (build the app again)");
  }
  BodyPlan body = body_plan(env, in.args, facts.request_body_buffering);
  if (body.buffer) {
    server.body_conf = server.server_root / "request-body.conf";
    plan.files.push_back({server.body_conf, request_body_conf_text()});
  }
  StopPlan stop = stop_plan(env, facts.graceful_sigterm);
  if (stop.graceful) {
    server.graceful_stop_s = stop.timeout_s;
    server.stop_conf = server.server_root / "graceful-stop.conf";
    plan.files.push_back({server.stop_conf, stop_conf_text(stop.timeout_s)});
    // Stay Apache's parent, so that SIGTERM becomes a graceful stop.
    plan.supervise = Supervision{.graceful_timeout_s = static_cast<double>(stop.timeout_s),
                                 .stop_deadline_s = static_cast<double>(stop.timeout_s + 2)};
    env["WHISKEY_GRACEFUL_SIGTERM"] = "1";
  }

  plan.argv = {facts.python, "-c", kExpressMain};
  for (auto& a : server_arguments(server)) plan.argv.push_back(a);
  plan.env = std::move(env);
  plan.lines.push_back(startup_line(in.args, server.port, server.sizing, server.newrelic_wrapper));
  plan.lines.push_back(stop.why);
  if (!locale.why.empty() && !has_option(in.args, "--locale")) plan.lines.push_back(locale.why);
  if (!statics.line.empty()) plan.lines.push_back(statics.line);
  if (!body.why.empty()) plan.lines.push_back(body.why);
  return plan;
}

}  // namespace whiskey
