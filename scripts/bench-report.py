#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench's report: the tables and the chart from the figures the guest recorded.

usage: bench-report.py DIR [--title TEXT] [--chart] [--check]
  DIR/results.tsv   what scripts/bench/*.sh recorded (scripts/bench/lib.sh: #meta, #want, values)
  writes DIR/bench.md (a summary of the ratios, then a table per measurement: the median of the
  rounds with their range for bonding.ko, rbond, the bare veth and (transmit) a VLAN device on it,
  and the ratios rbond/bonding, rbond/bare and rbond/vlan) and prints it; --chart also draws DIR/chart.png (matplotlib): rbond against bonding.ko
  for every figure, as "rbond's advantage" (rbond/bonding where higher is better, bonding/rbond
  where lower is; above 1: rbond is ahead). A ratio is marked (+) when every round of rbond did
  better than every round of bonding.ko, (-) when every one did worse (beyond the noise of the
  rounds). --check exits 1 when a figure a part declared was never
  measured (make check's smoke run), naming each.
"""
import collections
import os
import sys

DRIVERS = ("bonding", "rbond", "bare", "vlan")


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def num(x):
    """a figure as printed: integers without decimals, small numbers with two"""
    if x is None:
        return "missing"
    if abs(x) >= 100 or x == int(x):
        return f"{x:.0f}"
    return f"{x:.2f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def rfmt(r):
    return "-" if r is None else f"{r:.2f}"


class Results:
    def __init__(self, path):
        self.meta = collections.OrderedDict()  # table -> (title, unit, better, note)
        self.rows = collections.OrderedDict()  # table -> OrderedDict(row -> set(drivers wanted))
        self.values = collections.defaultdict(list)  # (table, row, driver) -> [values]
        self.times = []
        self.errors = []
        with open(path) as f:
            for n, line in enumerate(f, 1):
                w = line.rstrip("\n").split("\t")
                if w[0] == "#meta" and len(w) == 6:
                    self.meta[w[1]] = tuple(w[2:])
                    self.rows.setdefault(w[1], collections.OrderedDict())
                elif w[0] == "#want" and len(w) == 4:
                    self.rows.setdefault(w[1], collections.OrderedDict()).setdefault(w[2], set()).add(w[3])
                elif w[0] == "#time" and len(w) == 3:
                    self.times.append((w[1], w[2]))
                elif len(w) == 4 and not w[0].startswith("#"):
                    try:
                        self.values[(w[0], w[1], w[2])].append(float(w[3]))
                    except ValueError:
                        self.errors.append(f"line {n}: not a number: {line.strip()!r}")
                    self.rows.setdefault(w[0], collections.OrderedDict()).setdefault(w[1], set()).add(w[2])
                elif line.strip():
                    self.errors.append(f"line {n}: not understood: {line.strip()!r}")
        pdir = os.path.join(os.path.dirname(path), "prof")
        self.profiles = sorted(f for f in os.listdir(pdir) if f.endswith(".txt")) if os.path.isdir(pdir) else []
        for t in self.rows:
            if t not in self.meta:
                self.errors.append(f"table {t}: values but no #meta line")
                self.meta[t] = (t, "", "higher", "")

    def stat(self, t, r, d):
        v = self.values.get((t, r, d))
        return (median(v), min(v), max(v), len(v)) if v else None

    def beyond(self, t, r):
        """+1 when every round of rbond did better than every round of bonding.ko, -1 when every
        one did worse (the difference is beyond the round-to-round noise), 0 otherwise or with
        fewer than two rounds of either"""
        b, c = self.values.get((t, r, "bonding")), self.values.get((t, r, "rbond"))
        if not b or not c or len(b) < 2 or len(c) < 2:
            return 0
        up = 1 if self.meta[t][2] == "higher" else -1
        if min(c) > max(b):
            return up
        if max(c) < min(b):
            return -up
        return 0

    def rcell(self, t, r):
        """rbond/bonding as the summary prints it, with its mark when beyond the noise"""
        b, c = self.stat(t, r, "bonding"), self.stat(t, r, "rbond")
        if not b or not c:
            return "-"
        return rfmt(ratio(c[0], b[0])) + {1: " (+)", -1: " (-)", 0: ""}[self.beyond(t, r)]

    def missing(self):
        return [(t, r, d) for t, rows in self.rows.items() for r, ds in rows.items()
                for d in sorted(ds) if not self.values.get((t, r, d))]

    def advantage(self, t, r):
        """rbond's advantage over bonding.ko: > 1 when rbond is ahead"""
        b, c = self.stat(t, r, "bonding"), self.stat(t, r, "rbond")
        if not b or not c:
            return None
        return ratio(c[0], b[0]) if self.meta[t][2] == "higher" else ratio(b[0], c[0])


def markdown(res, title):
    out = [f"# {title}", ""] if title else []
    # the summary: rbond/bonding of every figure, a column per table whose rows are the modes
    mode_tables = [t for t, rows in res.rows.items() if "bonding" in {d for ds in rows.values() for d in ds}]
    out += ["## rbond/bonding, every figure", "",
            "(the median of rbond's rounds over bonding.ko's; where lower is better, marked (lower), "
            "a ratio below 1.00 is rbond ahead. (+): rbond ahead in every round, beyond the "
            "round-to-round noise: each of its rounds did better than every round of bonding.ko; "
            "(-): rbond behind beyond the noise; no mark: the rounds of the two overlap)", ""]
    groups = collections.OrderedDict()
    for t in mode_tables:
        groups.setdefault(tuple(res.rows[t]), []).append(t)
    for rows, tables in groups.items():
        out.append("| | " + " | ".join(t + (" (lower)" if res.meta[t][2] == "lower" else "") for t in tables) + " |")
        out.append("|---" * (len(tables) + 1) + "|")
        for r in rows:
            cells = []
            for t in tables:
                b, c = res.stat(t, r, "bonding"), res.stat(t, r, "rbond")
                cells.append(res.rcell(t, r) if b and c else ("missing" if r in res.rows[t] else ""))
            out.append(f"| {r} | " + " | ".join(cells) + " |")
        out.append("")
    for t, (ttl, unit, better, note) in res.meta.items():
        drivers = [d for d in DRIVERS if any(d in ds for ds in res.rows[t].values())]
        out += [f"## {ttl} ({t})", "", f"{unit}, {better} is better; median (min-max) of the rounds", ""]
        head = ["row"] + [f"{d}" for d in drivers]
        if "bonding" in drivers:
            head.append("rbond/bonding")
        if "bare" in drivers:
            head.append("rbond/bare")
        if "vlan" in drivers:
            head.append("rbond/vlan")
        out += ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
        for r in res.rows[t]:
            cells = [r]
            for d in drivers:
                s = res.stat(t, r, d)
                cells.append("missing" if s is None and d in res.rows[t][r] else
                             "" if s is None else f"{num(s[0])} ({num(s[1])}-{num(s[2])})")
            c = res.stat(t, r, "rbond")
            if "bonding" in drivers:
                cells.append(res.rcell(t, r))
            for ref in ("bare", "vlan"):
                if ref in drivers:
                    s = res.stat(t, r, ref)
                    cells.append(rfmt(ratio(c[0], s[0])) if c and s else "-")
            out.append("| " + " | ".join(cells) + " |")
        out += ["", f"({note})" if note else "", ""]
    if res.times:
        out += ["Time per part: " + ", ".join(f"{p} {s} s" for p, s in res.times), ""]
    if res.profiles:
        out += [f"Profiles (make bench PROFILE=1): {len(res.profiles)} in prof/, one a figure and "
                "round: " + ", ".join(res.profiles[:6]) + (", ..." if len(res.profiles) > 6 else ""), ""]
    return "\n".join(out)


def chart(res, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    labels, vals, colors = [], [], []
    for t in res.meta:
        for r in res.rows[t]:
            a = res.advantage(t, r)
            if a is None:
                continue
            labels.append(f"{t} {r}")
            vals.append(a)
            colors.append("#2a7f62" if a >= 1 else "#b5452f")
    if not vals:
        raise SystemExit("bench-report: no figure has both rbond and bonding.ko: no chart")
    fig, ax = plt.subplots(figsize=(8, 0.18 * len(vals) + 1.6))
    y = list(range(len(vals)))[::-1]
    ax.barh(y, [v - 1 for v in vals], left=1, color=colors, height=0.7)
    ax.axvline(1, color="black", linewidth=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=6)
    ax.set_xlabel("rbond's advantage over bonding.ko (rbond/bonding; bonding/rbond where lower is better)")
    lo, hi = min(vals + [0.8]), max(vals + [1.2])
    ax.set_xlim(lo - 0.05, hi + 0.05)
    ax.grid(axis="x", linewidth=0.3)
    ax.set_title(title or "make bench", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv):
    if not argv or argv[0].startswith("-"):
        raise SystemExit(__doc__)
    d, title, do_chart, check = argv[0], "", False, False
    i = 1
    while i < len(argv):
        if argv[i] == "--title" and i + 1 < len(argv):
            title, i = argv[i + 1], i + 2
        elif argv[i] == "--chart":
            do_chart, i = True, i + 1
        elif argv[i] == "--check":
            check, i = True, i + 1
        else:
            raise SystemExit(f"bench-report: unknown argument {argv[i]!r}\n{__doc__}")
    res = Results(os.path.join(d, "results.tsv"))
    md = markdown(res, title)
    with open(os.path.join(d, "bench.md"), "w") as f:
        f.write(md + "\n")
    print(md)
    if do_chart:
        chart(res, os.path.join(d, "chart.png"), title)
    bad = 0
    for e in res.errors:
        print(f"bench-report: {e}", file=sys.stderr)
        bad = 1
    miss = res.missing()
    for t, r, d_ in miss:
        print(f"bench-report: missing: {t} {r} {d_} (declared, never measured)", file=sys.stderr)
    if check and (miss or bad or not res.values):
        print(f"bench-report: {len(miss)} figures missing, {len(res.errors)} bad lines, "
              f"{len(res.values)} measured", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
