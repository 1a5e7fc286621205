#!/usr/bin/env python3
"""Checks that every test docs/parity.md cites exists.

The tests column of each row names gtest cases as `Suite.Name` (or `Suite.*` for a whole
suite).  A renamed or deleted test would otherwise leave the parity table claiming proof that
is gone.  Usage: parity_tests.py REPO_ROOT; exit 1 lists the missing names.
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
defined = set()
suites = set()
# TEST(Suite, Name), TEST_F(...), TEST_P(...) and rapidcheck's RC_GTEST_PROP(Suite, Name, ...).
decl = re.compile(r"\b(?:TEST|TEST_F|TEST_P|RC_GTEST_PROP|RC_GTEST_FIXTURE_PROP)\(\s*(\w+)\s*,\s*(\w+)")
for path in list(root.glob("tests/**/*.cc")) + list(root.glob("fuzz/**/*.cc")):
    for suite, name in decl.findall(path.read_text(errors="replace")):
        defined.add(f"{suite}.{name}")
        suites.add(suite)
# Parameterised suites are cited by their base names (Instance/Suite.Name/N is not written).

cited = re.compile(r"\b([A-Z]\w*(?:Test|Tests|Ported|Property|Sim|Fuzz)\w*)\.(\*|[A-Za-z_]\w*)")
missing = []
for line in (root / "docs/parity.md").read_text().splitlines():
    if not line.startswith("| "):
        continue
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) < 5:
        continue
    row_id, tests = cells[0], cells[-1]
    for suite, name in cited.findall(tests):
        ok = suite in suites if name == "*" else f"{suite}.{name}" in defined
        if not ok:
            missing.append(f"{row_id}: {suite}.{name}")
if missing:
    print("docs/parity.md cites tests that do not exist:")
    print("\n".join("  " + m for m in missing))
    sys.exit(1)
print(f"parity: every cited test exists ({len(defined)} tests defined)")
