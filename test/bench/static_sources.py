"""Writes the static sources of the benchmarks' Django app (fixtures/bench_django).

    static_sources.py DIR [COUNT]

COUNT files (24 by default), CSS and JS by turns, of 20 to 200 KB spread
evenly on a log scale, into DIR/css and DIR/js. Always the same bytes (a
seeded generator), and compressible as real stylesheets and scripts are:
varied identifiers, numbers and colours rather than one repeated string
(gzip makes them 3 to 5 times smaller, as it does minified-free CSS and JS).
"""
import os
import random
import sys

SYLLABLES = ("ar", "be", "co", "da", "el", "fi", "go", "ha", "in", "jo", "ka", "lu", "me", "no",
             "or", "pa", "qu", "ri", "so", "ta", "un", "ve", "wi", "xo", "yu", "za", "st", "tr",
             "ch", "sh", "pl", "gr")
CSS_PROPERTIES = (
    ("color", lambda r: "#%06x" % r.randrange(1 << 24)),
    ("background-color", lambda r: "#%06x" % r.randrange(1 << 24)),
    ("margin", lambda r: "%dpx %dpx" % (r.randrange(40), r.randrange(40))),
    ("padding", lambda r: "%.2frem %.2frem" % (r.random() * 3, r.random() * 3)),
    ("font-size", lambda r: "%.3frem" % (0.6 + r.random() * 2)),
    ("line-height", lambda r: "%.2f" % (1 + r.random())),
    ("width", lambda r: "%d%%" % r.randrange(10, 101)),
    ("max-width", lambda r: "%dpx" % r.randrange(200, 1600)),
    ("border", lambda r: "%dpx solid rgba(%d, %d, %d, %.2f)" % (
        r.randrange(1, 4), r.randrange(256), r.randrange(256), r.randrange(256), r.random())),
    ("border-radius", lambda r: "%dpx" % r.randrange(0, 24)),
    ("display", lambda r: r.choice(("block", "flex", "grid", "inline-block", "none"))),
    ("transition", lambda r: "opacity %dms ease-in-out" % r.randrange(50, 800)),
    ("z-index", lambda r: "%d" % r.randrange(1, 1000)),
    ("box-shadow", lambda r: "0 %dpx %dpx rgba(0, 0, 0, %.2f)" % (
        r.randrange(1, 12), r.randrange(2, 30), r.random() / 2)),
)


def word(r, parts=None):
    return "".join(r.choice(SYLLABLES) for _ in range(parts or r.randrange(2, 5)))


def ident(r):
    return "-".join(word(r) for _ in range(r.randrange(1, 4)))


def css_rule(r):
    selector = ", ".join(
        r.choice((".", "#", ".", ".")) + ident(r) + r.choice(("", "", ":hover", " > li", " a"))
        for _ in range(r.randrange(1, 3)))
    body = "".join("  %s: %s;\n" % (name, value(r))
                   for name, value in r.sample(CSS_PROPERTIES, r.randrange(2, 7)))
    return "%s {\n%s}\n\n" % (selector, body)


def js_function(r):
    name = word(r) + word(r, 1).capitalize() + word(r, 2).capitalize()
    args = [word(r) for _ in range(r.randrange(1, 4))]
    lines = []
    for _ in range(r.randrange(3, 10)):
        kind = r.randrange(4)
        local = word(r)
        if kind == 0:
            lines.append("  const %s = %s * %d + %s.length;" % (local, args[0], r.randrange(1000),
                                                                 r.choice(args)))
        elif kind == 1:
            lines.append("  if (%s > %d) { return \"%s-%d\"; }" % (
                r.choice(args), r.randrange(100000), ident(r), r.randrange(10000)))
        elif kind == 2:
            lines.append("  document.querySelector(\".%s\").classList.toggle(\"%s\");" % (
                ident(r), ident(r)))
        else:
            lines.append("  for (let i = 0; i < %d; i++) { %s.push({ id: i, name: \"%s\" }); }" % (
                r.randrange(2, 64), r.choice(args), word(r)))
    return "export function %s(%s) {\n%s\n  return %s;\n}\n\n" % (
        name, ", ".join(args), "\n".join(lines), r.choice(args))


def main():
    target = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 24
    r = random.Random(25)
    for sub in ("css", "js"):
        os.makedirs(os.path.join(target, sub), exist_ok=True)
    for i in range(count):
        size = int(20 * 1024 * 10 ** (i / max(count - 1, 1)))
        css = i % 2 == 0
        chunks, length = [], 0
        header = "/* %s: generated for the benchmarks */\n\n" % word(r)
        chunks.append(header)
        length += len(header)
        while length < size:
            chunk = css_rule(r) if css else js_function(r)
            chunks.append(chunk)
            length += len(chunk)
        name = "%s-%02d.%s" % (word(r, 2), i, "css" if css else "js")
        with open(os.path.join(target, "css" if css else "js", name), "w") as f:
            f.write("".join(chunks)[:size])


if __name__ == "__main__":
    main()
