"""The table and the JSON of test/bench/run, from the samples it recorded.

    report.py SAMPLES.tsv RESULTS.json COMMAND

Each sample line is PART, NAME, METRIC, VALUE, NOTE (tab-separated); a
figure is the median of its samples. Prints Markdown tables, then the goals.
"""
import json
import statistics
import sys
from collections import defaultdict


def load(path):
    samples = defaultdict(list)
    for line in open(path):
        part, name, metric, value, _note = (line.rstrip("\n").split("\t") + [""])[:5]
        try:
            samples[(part, name, metric)].append(float(value))
        except ValueError:
            samples[(part, name, metric)].append(value)
    return samples


# This buildpack's defaults on a standard-1x dyno, and gunicorn with the
# same processes and threads.
OURS = "mod_wsgi-heroku, standard-1x (512 MiB)"
SYNC = "gunicorn, WEB_CONCURRENCY=2"
GTHREAD = "gunicorn gthread --threads 5, WEB_CONCURRENCY=2"


def main():
    samples_path, json_path, command = sys.argv[1:4]
    s = load(samples_path)

    def values(part, name, metric="seconds"):
        return [v for v in s.get((part, name, metric), []) if isinstance(v, float)]

    def med(part, name, metric="seconds"):
        v = values(part, name, metric)
        return statistics.median(v) if v else None

    def shown(v):
        return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)

    def text(part, name, metric):
        v = s.get((part, name, metric), [])
        return shown(v[0]) if v else ""

    # Every round's, where they differ ("14+6, 20").
    def texts(part, name, metric):
        seen = []
        for v in s.get((part, name, metric), []):
            if shown(v) not in seen:
                seen.append(shown(v))
        return ", ".join(seen)

    def names(part, metric="seconds"):
        seen = []
        for p, n, m in s:
            if p == part and m == metric and n not in seen:
                seen.append(n)
        return seen

    def fmt(v, digits=3):
        if isinstance(v, (str, int)):
            return str(v)
        return "-" if v is None else ("%.*f" % (digits, v))

    def ratio(a, b):
        return None if a is None or b is None or b == 0 else a / b

    # The median of the round-by-round ratios: each round runs every method
    # once, one after the other, so a slow spell of a shared disk (or a file
    # system slowing down as the rounds churn it) weighs on both sides of a
    # ratio rather than on whichever method it fell on.
    def paired(part, a, b, metric="seconds"):
        va, vb = values(part, a, metric), values(part, b, metric)
        r = [x / y for x, y in zip(va, vb) if y]
        return statistics.median(r) if r and len(va) == len(vb) else ratio(
            med(part, a, metric), med(part, b, metric))

    def socket_errors(n, part="serve"):
        counts = {k: sum(values(part, n, k + "_errors")) for k in
                  ("connect", "read", "write", "timeout")}
        non2xx = sum(values(part, n, "non2xx"))
        if not any(counts.values()) and not non2xx:
            return "none"
        return ", ".join("%s %d" % kv for kv in counts.items()) + (
            "; non-2xx: %d" % non2xx if non2xx else "")

    # The better of PEERS: the most requests per second (median) on NAME+SUFFIX.
    def better(part, peers, suffix="", metric="rps"):
        return max(peers, key=lambda n: med(part, n + suffix, metric) or 0)

    results = {"command": command, "meta": {}, "parts": {}, "goals": []}
    for (p, n, m), v in s.items():
        if p == "meta":
            results["meta"]["%s.%s" % (n, m)] = v[0] if len(v) == 1 else v
    out = []

    def table(title, header, rows):
        out.append("")
        out.append("## " + title)
        out.append("")
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "---|" * len(header))
        for r in rows:
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")

    def goal(name, figure, target, met, detail):
        results["goals"].append(
            {"goal": name, "figure": figure, "target": target, "met": met, "detail": detail}
        )

    # --- install ----------------------------------------------------------
    if names("install"):
        base = med("install", "curl -o + tar xzf")
        floor = med("install", "tar xzf from local disk")
        rows, part = [], {}
        for n in names("install"):
            m = med("install", n)
            lo = min(values("install", n))
            part[n] = {
                "median_s": m,
                "min_s": lo,
                "samples": len(values("install", n)),
                "x_curl_o_tar": ratio(m, base),
                "x_local_tar": ratio(m, floor),
            }
            rows.append([n, fmt(m), fmt(lo), fmt(ratio(m, base), 2), fmt(ratio(m, floor), 2)])
        table(
            "Install of the Apache bundle (%s bytes, %s unpacked) from moto on 127.0.0.1, "
            "into %s" % (text("meta", "bundle", "bytes").split(".")[0],
                         text("meta", "bundle", "unpacked_bytes").split(".")[0],
                         text("meta", "install_dir", "filesystem") or "?"),
            ["method", "median s", "min s", "x curl -o + tar xzf", "x tar from local disk"],
            rows,
        )
        results["parts"]["install"] = part
        cold = paired("install", "install step, cold", "curl -o + tar xzf")
        warm = paired("install", "install step, warm", "tar xzf from local disk")
        if cold is not None:
            goal("install (verified) <= 0.8x curl -o + tar xzf", cold, 0.8, cold <= 0.8,
                 "install step, cold / curl -o + tar xzf (median of the rounds' ratios)")
        if warm is not None:
            goal("warm install <= 1.2x tar xzf from local disk", warm, 1.2, warm <= 1.2,
                 "install step, warm / tar xzf from local disk (median of the rounds' ratios)")
        shipped = paired("install", "install step, zstd bundle (the default), cold",
                         "curl -o + tar xzf")
        if shipped is not None:
            goal("install of the zstd bundle (the default) <= 0.8x the seed's curl -o + tar xzf "
                 "of the gzip bundle", shipped, 0.8, shipped <= 0.8,
                 "install step, zstd bundle, cold / curl -o + tar xzf (median of the rounds' "
                 "ratios)")

    # --- compression ------------------------------------------------------
    if names("compression"):
        gz_bytes = med("compression", "gzip", "bytes")
        zst_bytes = med("compression", "zstd", "bytes")
        rows, part = [], {}
        for kind, size in (("gzip", gz_bytes), ("zstd", zst_bytes)):
            entry = {"bytes": size}
            row = [kind, "%d" % size if size else "-"]
            for what in ("cold", "warm", "tar from local disk", "curl -o + tar"):
                m = med("compression", "%s, %s" % (kind, what))
                entry[what.replace(" ", "_") + "_median_s"] = m
                row.append(fmt(m))
            part[kind] = entry
            rows.append(row)
        zc = ratio(med("compression", "zstd, cold"), med("compression", "gzip, cold"))
        zw = ratio(med("compression", "zstd, warm"), med("compression", "gzip, warm"))
        rows.append(["zstd / gzip", fmt(ratio(zst_bytes, gz_bytes), 2), fmt(zc, 2), fmt(zw, 2)] + [
            fmt(ratio(med("compression", "zstd, " + what), med("compression", "gzip, " + what)), 2)
            for what in ("tar from local disk", "curl -o + tar")])
        table("Compression: the same tar as .tar.gz (gzip -9) and .tar.zst (zstd -19)",
              ["bundle", "bytes", "install cold s", "install warm s", "tar from local disk s",
               "curl -o + tar s"], rows)
        for kind in ("gzip", "zstd"):
            c = paired("compression", kind + ", cold", kind + ", curl -o + tar")
            w = paired("compression", kind + ", warm", kind + ", tar from local disk")
            part[kind]["x_curl_o_tar_cold"] = c
            part[kind]["x_local_tar_warm"] = w
            if c is not None:
                goal("%s bundle: install (verified) <= 0.8x curl -o + tar" % kind, c, 0.8, c <= 0.8,
                     "%s, cold / %s, curl -o + tar (median of the rounds' ratios)" % (kind, kind))
            if w is not None:
                goal("%s bundle: warm install <= 1.2x tar from local disk" % kind, w, 1.2, w <= 1.2,
                     "%s, warm / %s, tar from local disk (median of the rounds' ratios)" % (kind,
                                                                                           kind))
        # Bytes saved count on every real download; install times on this
        # machine move by a few percent from run to run.
        smaller = zst_bytes is not None and gz_bytes is not None and zst_bytes < gz_bytes
        not_slower = zc is not None and zw is not None and max(zc, zw) <= 1.05
        part["zstd_over_gzip"] = {"bytes": ratio(zst_bytes, gz_bytes), "cold": zc, "warm": zw}
        part["suggested_default"] = "zstd" if smaller and not_slower else "gzip"
        out.append("")
        out.append("Suggested default from these figures: %s (zstd is %s, and %s)." % (
            part["suggested_default"],
            "%.0f %% smaller" % (100 * (1 - zst_bytes / gz_bytes)) if smaller else "not smaller",
            "installs cold and warm within 5 % of gzip or faster" if not_slower
            else "installs more than 5 % slower cold or warm"))
        results["parts"]["compression"] = part

    # --- build ------------------------------------------------------------
    if names("build"):
        ours = med("build", "this buildpack, whole build")
        rows, part = [], {}
        for n in names("build"):
            m = med("build", n)
            part[n] = {"seconds": m, "x_this_buildpack": ratio(m, ours)}
            rows.append([n, fmt(m, 1), fmt(ratio(m, ours), 1)])
        table("Cold build of fixtures/bench_app (no build cache, no pip cache)",
              ["what", "seconds", "x this buildpack's whole build"], rows)
        results["parts"]["build"] = part
        standalone = med("build", "pip install Flask mod_wsgi-standalone")
        if standalone is not None and ours:
            goal("cold build >= 10x faster than mod_wsgi-standalone", standalone / ours, 10,
                 standalone / ours >= 10, "pip install mod_wsgi-standalone / whole build")
        first = med("build", "no bundle, first build, whole")
        first_step = med("build", "no bundle, first build: bin/compile")
        second_step = med("build", "no bundle, second build: bin/compile")
        if standalone is not None and first:
            goal("no bundle: first build (Apache compiled) faster than mod_wsgi-standalone",
                 standalone / first, 1, standalone / first > 1,
                 "pip install mod_wsgi-standalone / first whole build")
        # The later builds' pip install (mod_wsgi compiled against the
        # bundle) is the Python buildpack's, the same with a published bundle.
        if second_step and first_step:
            goal("no bundle: second bin/compile >= 10x faster than the first",
                 first_step / second_step, 10, first_step / second_step >= 10,
                 "first bin/compile / second bin/compile")

    # --- serve ------------------------------------------------------------
    if names("serve", "rps"):
        rows, part = [], {}
        for n in names("serve", "rps"):
            server = n.rsplit(", ", 1)[0] if n.endswith("world") else n.rsplit(", I/O", 1)[0]
            part[n] = {
                "rps": med("serve", n, "rps"),
                "p50_ms": med("serve", n, "p50_ms"),
                "p99_ms": med("serve", n, "p99_ms"),
                "cpu_us_per_request": med("serve", n, "cpu_us_per_request"),
                "errors": socket_errors(n),
                "runs": text("serve", server, "runs"),
                "connections_per_process": texts("serve", n, "connections_per_process"),
            }
            rows.append([n, part[n]["runs"], fmt(part[n]["rps"], 1), fmt(part[n]["p50_ms"], 1),
                         fmt(part[n]["p99_ms"], 1), fmt(part[n]["cpu_us_per_request"], 0),
                         part[n]["errors"], part[n]["connections_per_process"]])
        rounds = text("meta", "wrk", "rounds").split(".")[0] or "1"
        table("Serving with wrk on 127.0.0.1 (%s connections, %s s each; medians of %s round%s)"
              % (text("meta", "wrk", "connections").split(".")[0] or "?",
                 text("meta", "wrk", "seconds").split(".")[0], rounds,
                 "" if rounds == "1" else "s"),
            ["server, app", "ran with", "req/s", "p50 ms", "p99 ms", "CPU us/request",
             "socket errors", "connections per process"], rows)
        out.append("")
        out.append("Connections per process: how wrk's kept connections were spread over the "
                   "web process's processes a second into the I/O-bound run (\"19+1\": one "
                   "process held 19 of them; \"?18\": 18 no process had accepted yet), each round's.")
        results["parts"]["serve"] = part
        # Issue 25's goals for the defaults (standard-1x) against both gunicorns
        # of the same size: sync, and gthread with the same threads.
        sync = SYNC
        a = OURS + ", hello world"
        peers = [n for n in (sync, GTHREAD) if "%s, hello world" % n in part]
        if a in part and peers:
            best = better("serve", peers, ", hello world")
            b = "%s, hello world" % best
            r = paired("serve", a, b, "rps")
            goal("hello world: req/s >= 1.0x the better gunicorn (%s)" % best, r, 1.0,
                 r is not None and r >= 1.0, "req/s ratio, median of the rounds'")
            p = paired("serve", a, b, "p99_ms")
            goal("hello world: p99 <= 1.25x the better gunicorn's (%s)" % best, p, 1.25,
                 p is not None and p <= 1.25, "p99 ratio (ours / theirs), median of the rounds'")
        a = OURS + ", I/O bound (50 ms)"
        for peer, want in ((GTHREAD, 1.0), (sync, 2.0)):
            b = "%s, I/O bound (50 ms)" % peer
            if a not in part or b not in part:
                continue
            r = paired("serve", a, b, "rps")
            goal("I/O bound: req/s >= %gx %s" % (want, peer), r, want,
                 r is not None and r >= want, "req/s ratio, median of the rounds'")
            p = paired("serve", a, b, "p99_ms")
            goal("I/O bound: p99 no worse than %s's" % peer, p, 1.0,
                 p is not None and p <= 1.0, "p99 ratio (ours / theirs), median of the rounds'")
        for app in ("hello world", "I/O bound (50 ms)"):
            a = "%s, %s" % (OURS, app)
            if a in part:
                goal("%s: no socket errors (%s)" % (OURS, app), part[a]["errors"], "none",
                     part[a]["errors"] == "none", "wrk's socket errors, every round")
        for ours_name, theirs_name in (
            ("mod_wsgi-heroku --embedded-mode, standard-1x (512 MiB)",
             "gunicorn, WEB_CONCURRENCY=2"),
            ("mod_wsgi-heroku MOD_WSGI_THREADS=1 MOD_WSGI_QUEUE_TIMEOUT=0, standard-1x (512 MiB)",
             "gunicorn, WEB_CONCURRENCY=2"),
            ("mod_wsgi-heroku, standard-2x (1 GiB)", "gunicorn, WEB_CONCURRENCY=4"),
        ):
            for app, want in (("hello world", 1.0), ("I/O bound (50 ms)", 2.0)):
                a, b = "%s, %s" % (ours_name, app), "%s, %s" % (theirs_name, app)
                if a not in part or b not in part or not part[b]["rps"]:
                    continue
                r = paired("serve", a, b, "rps")
                goal("%s: req/s >= %gx %s (%s)" % (ours_name, want, theirs_name, app), r, want,
                     r >= want, "req/s ratio, median of the rounds'")
                p = paired("serve", a, b, "p99_ms")
                goal("%s: p99 no worse than %s (%s)" % (ours_name, theirs_name, app), p, 1.0,
                     p is not None and p <= 1.0, "p99 ratio (ours / theirs), median of the rounds'")
                if a.startswith("mod_wsgi-heroku"):
                    goal("%s: no socket errors (%s)" % (ours_name, app), part[a]["errors"],
                         "none", part[a]["errors"] == "none", "wrk's socket errors, every round")

    # --- static files -----------------------------------------------------
    if names("static", "rps"):
        rows, part = [], {}
        for n in names("static", "rps"):
            server = n.rsplit(", static files", 1)[0]
            part[server] = {
                "rps": med("static", n, "rps"),
                "p50_ms": med("static", n, "p50_ms"),
                "p99_ms": med("static", n, "p99_ms"),
                "mib_per_s": med("static", n, "mib_per_s"),
                "cpu_us_per_request": med("static", n, "cpu_us_per_request"),
                "errors": socket_errors(n, "static"),
                "runs": text("static", server, "runs"),
                "served": text("static", server, "encoding"),
            }
            e = part[server]
            rows.append([server, e["runs"], e["served"], fmt(e["rps"], 1), fmt(e["p50_ms"], 1),
                         fmt(e["p99_ms"], 1), fmt(e["mib_per_s"], 1),
                         fmt(e["cpu_us_per_request"], 0), e["errors"]])
        rounds = text("meta", "wrk", "rounds").split(".")[0] or "1"
        table("Static files of fixtures/bench_django (%s hashed files, %s bytes), wrk cycling "
              "over them with Accept-Encoding: gzip, deflate, br (%s connections, %s s each; "
              "medians of %s round%s)" % (
                  text("meta", "static", "files").split(".")[0] or "?",
                  text("meta", "static", "bytes").split(".")[0] or "?",
                  text("meta", "wrk", "connections").split(".")[0] or "?",
                  text("meta", "wrk", "seconds").split(".")[0], rounds,
                  "" if rounds == "1" else "s"),
              ["server", "ran with", "served (largest file)", "req/s", "p50 ms", "p99 ms",
               "MiB/s", "CPU us/request", "socket errors"], rows)
        results["parts"]["static"] = part
        peers = [n for n in (SYNC, GTHREAD) if n in part]
        if OURS in part and peers:
            best = better("static", peers, ", static files")
            a, b = OURS + ", static files", best + ", static files"
            r = paired("static", a, b, "rps")
            goal("static files: req/s >= 5x WhiteNoise's (the better gunicorn: %s)" % best, r, 5,
                 r is not None and r >= 5, "req/s ratio, median of the rounds'")
            p = paired("static", a, b, "p99_ms")
            goal("static files: p99 <= 0.5x WhiteNoise's (%s)" % best, p, 0.5,
                 p is not None and p <= 0.5, "p99 ratio (ours / theirs), median of the rounds'")
            goal("static files: no socket errors", part[OURS]["errors"], "none",
                 part[OURS]["errors"] == "none", "wrk's socket errors, every round")

    # --- a dyno's traffic -------------------------------------------------
    if names("mix", "rps"):
        rows, part = [], {}
        for n in names("mix", "rps"):
            e = {
                "runs": text("mix", n, "runs"),
                "rps": med("mix", n, "rps"),
                "completed": med("mix", n, "completed"),
                "p50_ms": med("mix", n, "p50_ms"),
                "p99_ms": med("mix", n, "p99_ms"),
                "errors": {k: sum(values("mix", n, k + "_errors"))
                           for k in ("connect", "read", "timeout", "non2xx", "wrong_count")},
                "non2xx_statuses": text("mix", n, "non2xx_statuses"),
            }
            for kind in ("io", "static", "upload"):
                e[kind] = {"count": med("mix", n, kind + "_count"),
                           "p50_ms": med("mix", n, kind + "_p50_ms"),
                           "p99_ms": med("mix", n, kind + "_p99_ms")}
            part[n] = e
            errors = ", ".join("%s %d" % kv for kv in e["errors"].items() if kv[1]) or "none"
            if e["non2xx_statuses"]:
                errors += " (%s)" % e["non2xx_statuses"]
            rows.append([n, e["runs"], fmt(e["rps"], 1), fmt(e["p50_ms"], 0), fmt(e["p99_ms"], 0)]
                        + ["%s / %s / %s" % (fmt(e[k]["count"], 0), fmt(e[k]["p50_ms"], 0),
                                             fmt(e[k]["p99_ms"], 0))
                           for k in ("io", "static", "upload")] + [errors])
        table("A dyno's traffic on fixtures/bench_django (test/bench/mix.py: %s kept-alive "
              "connections; 85 %% /io, 10 %% static files, 5 %% uploads of 1 MiB at 100 KB/s; "
              "%s s warm-up, then %s s measured)" % (
                  text("meta", "mix", "connections").split(".")[0] or "?",
                  text("meta", "mix", "warmup").split(".")[0] or "?",
                  text("meta", "mix", "seconds").split(".")[0] or "?"),
              ["server", "ran with", "completed req/s", "p50 ms", "p99 ms",
               "I/O: count / p50 / p99 ms", "static: count / p50 / p99 ms",
               "upload: count / p50 / p99 ms", "errors (whole run)"], rows)
        results["parts"]["mix"] = part
        peers = [n for n in (SYNC, GTHREAD) if n in part]
        if OURS in part and peers:
            best = better("mix", peers)
            r = paired("mix", OURS, best, "rps")
            goal("a dyno's traffic: completed req/s >= 1.5x the better gunicorn (%s)" % best, r,
                 1.5, r is not None and r >= 1.5, "completed req/s ratio, median of the rounds'")
            p = paired("mix", OURS, best, "io_p99_ms")
            goal("a dyno's traffic: p99 of the I/O requests no worse than %s's" % best, p, 1.0,
                 p is not None and p <= 1.0, "I/O p99 ratio (ours / theirs)")
            total = sum(part[OURS]["errors"].values())
            goal("a dyno's traffic: no errors", int(total), 0, total == 0,
                 "connect, read, timeout, non-2xx and wrong upload counts, warm-up included")

    # --- boot and memory --------------------------------------------------
    if names("boot") or names("memory", "pss_mib"):
        rows, part = [], {}
        for n in names("boot") or names("memory", "pss_mib"):
            part[n] = {
                "boot_s": med("boot", n),
                "idle_pss_mib": med("memory", n, "pss_mib"),
                "idle_rss_mib": med("memory", n, "rss_mib"),
                "processes": med("memory", n, "processes"),
            }
            rows.append([n, fmt(part[n]["boot_s"], 2), fmt(part[n]["idle_pss_mib"], 1),
                         fmt(part[n]["idle_rss_mib"], 1), fmt(part[n]["processes"], 0)])
        table("Boot (start to first 200) and idle memory of the web process",
              ["server", "boot s", "idle PSS MiB", "idle RSS MiB", "processes"], rows)
        results["parts"]["boot"] = part
        if OURS in part and part[OURS]["boot_s"] is not None:
            b = part[OURS]["boot_s"]
            goal("boot: launcher start to first 200 < 1 s", b, 1.0, b < 1.0,
                 "seconds, median of the boots")
        if OURS in part and SYNC in part:
            m = ratio(part[OURS]["idle_pss_mib"], part[SYNC]["idle_pss_mib"])
            goal("idle memory: PSS <= 1.1x gunicorn sync's (%s)" % SYNC, m, 1.1,
                 m is not None and m <= 1.1, "idle PSS of all processes, medians")

    if results["goals"]:
        out.append("")
        out.append("## Goals")
        out.append("")
        out.append("Goals that name no server of ours are this buildpack's defaults on "
                   "standard-1x (%s); ratios are against servers of the same run." % OURS)
        out.append("")
        out.append("| goal | figure | target | met |")
        out.append("|---|---|---|---|")
        for g in results["goals"]:
            out.append("| %s | %s | %s | %s |" % (g["goal"], fmt(g["figure"], 2), g["target"],
                                                   "yes" if g["met"] else "no"))
    if text("meta", "python", "servers"):
        out.append("")
        out.append("Servers ran on %s." % text("meta", "python", "servers"))
    out.append("")
    out.append("Command: %s   (machine: %s CPUs, load %s at the start, %s at the end)" % (
        command, text("meta", "run", "cpus").split(".")[0], text("meta", "run", "loadavg"),
        text("meta", "run", "loadavg_end")))
    print("\n".join(out))
    with open(json_path, "w") as f:
        json.dump(results, f, indent=2)
    print("Written to %s" % json_path)


if __name__ == "__main__":
    main()
