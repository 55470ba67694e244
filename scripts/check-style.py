#!/usr/bin/env python3
"""The house format that a machine can check (`make test` runs this first): Swift lines of at most 120 characters,
indented with spaces, without trailing blanks. Generated code (Sources/*/Generated/) is left as protoc-gen-swift
writes it.

Prints each offending line as FILE:LINE: what is wrong, and exits 1 if there is any."""
import pathlib
import sys

LIMIT = 120
root = pathlib.Path(__file__).resolve().parent.parent
problems = []
files = [root / "Package.swift"] + sorted((root / "Sources").rglob("*.swift")) + sorted((root / "Tests").rglob("*.swift"))
for path in files:
    if "Generated" in path.parts:
        continue
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        where = f"{path.relative_to(root)}:{number}"
        if len(line) > LIMIT:
            problems.append(f"{where}: {len(line)} characters; break the line at {LIMIT} or fewer")
        if "\t" in line:
            problems.append(f"{where}: a tab; indent with 4 spaces")
        if line != line.rstrip():
            problems.append(f"{where}: trailing blanks; remove them")
for problem in problems:
    print(problem)
if problems:
    print(f"{len(problems)} line(s) outside the house format (lines of at most {LIMIT} characters, 4-space indents)",
          file=sys.stderr)
    sys.exit(1)
