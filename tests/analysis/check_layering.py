#!/usr/bin/env python3
"""Layering check: every #include of the production folders follows the dependency direction.

Kuaguan's architecture points one way:

    cli -> proto stubs, seal, base
    node -> federation -> index, ingest, seal, document -> proto, base

A folder may include only the folders below it (ALLOWED, next), itself, the generated proto
headers (kuaguan/v1/..., grpc/...) and third-party headers -- except the third-party headers in
FORBIDDEN_THIRD_PARTY, which would drag a heavy library (the store, the search index, image/OCR,
PDF rendering) into a layer that must stay without it: the CLI ships to operators' desks, and
federation reaches the RocksDB store only through an interface that node implements.

Reads every #include "..." (and <...>, so a project or third-party header cannot slip in by
the other spelling) in every .h/.cc of the production folders (not tests/). Exits 1 and prints
`file:line: folder X may not include Y/...` for each include against the table; exits 0 with a
one-line summary when clean. --verbose also prints the folder -> folder edges it found.

Standard library only; run as `python3 tests/analysis/check_layering.py SOURCE_ROOT`.
"""

# ---------------------------------------------------------------------------------------------
# The architecture's dependency direction. Key: a production folder. Value: the other project
# folders it may include (it may always include itself). Anything not listed is forbidden.
ALLOWED = {
    "base":       set(),
    "proto":      {"base"},  # the generated code, and the record's text form (record_fields)
    "seal":       {"base", "proto"},
    "document":   {"base", "proto"},
    "index":      {"base", "proto"},
    "ingest":     {"base", "proto", "seal"},
    "federation": {"base", "proto", "seal", "document", "index", "ingest"},  # never node, never cli
    "node":       {"base", "proto", "seal", "document", "index", "ingest", "federation"},
    "cli":        {"base", "proto", "seal"},  # proto: the generated stubs and the record's text form
}

# Single headers a folder may include beyond its table row (none today).
ALLOWED_HEADERS = {}

_CLIENT_HEAVY = ("rocksdb/", "xapian.h", "xapian/", "vips/", "tesseract/", "leptonica/",
                 "cairo.h", "cairo-", "cairo/", "pango/", "pangocairo", "opencc/", "opencc.h")
FORBIDDEN_THIRD_PARTY = {
    "cli": _CLIENT_HEAVY,        # the client binaries link none of these (see check_client_deps.sh)
    "federation": ("rocksdb/",),  # federation reaches the store through an interface
}

# Generated headers every folder may include: the proto messages and gRPC stubs.
GENERATED_PREFIXES = ("kuaguan/v1/", "grpc/")

PRODUCTION_FOLDERS = tuple(ALLOWED)
# Project folders that are not production code: no production folder may include them.
OTHER_PROJECT_FOLDERS = ("tests", "deploy")
# ---------------------------------------------------------------------------------------------

import argparse
import collections
import os
import re
import sys

SOURCE_SUFFIXES = (".h", ".hh", ".hpp", ".cc", ".cpp", ".cxx", ".inc", ".h.in")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')


def strip_block_comments(line, in_comment):
    """Removes /* ... */ text from one line; returns (text, still_in_comment)."""
    out = []
    i = 0
    while i < len(line):
        if in_comment:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out), True
            i = end + 2
            in_comment = False
        else:
            start = line.find("/*", i)
            line_comment = line.find("//", i)
            if start < 0 or (0 <= line_comment < start):
                out.append(line[i:])
                break
            out.append(line[i:start])
            i = start + 2
            in_comment = True
    return "".join(out), in_comment


def includes_of(path):
    """Yields (line_number, delimiter, include_path) for each #include in the file."""
    in_comment = False
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, raw in enumerate(f, 1):
            text, in_comment = strip_block_comments(raw, in_comment)
            m = INCLUDE_RE.match(text)
            if m:
                yield number, m.group(1), m.group(2).strip()


def production_files(root):
    for folder in PRODUCTION_FOLDERS:
        top = os.path.join(root, folder)
        if not os.path.isdir(top):
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(SOURCE_SUFFIXES):
                    yield folder, os.path.join(dirpath, name)


def _library(prefix):
    return prefix.split("/")[0].split(".")[0].rstrip("-")


def classify(folder, path, delim, inc, root):
    """Returns (target, error): target is a project folder, 'proto', or None for third-party."""
    if inc.startswith(GENERATED_PREFIXES):
        return "proto", None
    first = inc.split("/", 1)[0]
    if "/" in inc and (first in PRODUCTION_FOLDERS or first in OTHER_PROJECT_FOLDERS):
        if first == folder:
            return first, None
        if first in ALLOWED[folder] or inc in ALLOWED_HEADERS.get(folder, ()):
            return first, None
        return first, f"folder {folder} may not include {inc}"
    if delim == '"' and "/" not in inc and os.path.exists(
            os.path.join(os.path.dirname(path), inc)):
        return folder, None  # a sibling header included by bare name: the folder itself
    for prefix in FORBIDDEN_THIRD_PARTY.get(folder, ()):
        if inc.startswith(prefix):
            return None, (f"folder {folder} may not include {inc} "
                          f"(third-party {_library(prefix)} breaks the layering)")
    return None, None


def main(argv):
    parser = argparse.ArgumentParser(
        prog="check_layering.py",
        description="Fails when an #include in base, seal, document, index, ingest, federation, "
                    "node or cli goes against the dependency direction "
                    "(cli -> proto stubs, seal, base; node -> federation -> index, ingest, seal, "
                    "document -> proto, base). The table is at the top of this script.")
    parser.add_argument("source_root", metavar="SOURCE_ROOT",
                        help="the repository root (the folder holding base/, seal/, ... cli/)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also print the folder -> folder edges found, with counts")
    args = parser.parse_args(argv)

    root = os.path.abspath(args.source_root)
    missing = [f for f in PRODUCTION_FOLDERS if not os.path.isdir(os.path.join(root, f))]
    if len(missing) == len(PRODUCTION_FOLDERS):
        print(f"layering: {root} holds none of the folders {', '.join(PRODUCTION_FOLDERS)}; "
              "is it the source root?", file=sys.stderr)
        return 2

    files = 0
    total = 0
    violations = []
    dangling = []
    edges = collections.Counter()
    bad_edges = collections.Counter()
    for folder, path in production_files(root):
        files += 1
        rel = os.path.relpath(path, root)
        for number, delim, inc in includes_of(path):
            total += 1
            target, error = classify(folder, path, delim, inc, root)
            if target is not None and target != folder:
                edges[(folder, target)] += 1
            if error:
                violations.append(f"{rel}:{number}: {error}")
                if target is not None:
                    bad_edges[(folder, target)] += 1
            if (target in PRODUCTION_FOLDERS and "/" in inc
                    and not inc.startswith(GENERATED_PREFIXES)
                    and not os.path.exists(os.path.join(root, inc))
                    and not os.path.exists(os.path.join(root, inc + ".in"))):  # configure_file
                dangling.append(f"{rel}:{number}: warning: {inc} does not exist under {root}")

    if args.verbose:
        print("layering: edges found (folder -> folder: includes)")
        for (src, dst), count in sorted(edges.items(), key=lambda e: (
                PRODUCTION_FOLDERS.index(e[0][0]), e[0][1])):
            bad = bad_edges[(src, dst)]
            mark = f"   <-- {bad} NOT ALLOWED" if bad else ""
            print(f"  {src} -> {dst}: {count}{mark}")
    for line in dangling:
        print(line, file=sys.stderr)

    if violations:
        for line in violations:
            print(line)
        print(f"layering: {files} files, {total} includes, {len(violations)} include(s) "
              "against the dependency direction (table at the top of "
              "tests/analysis/check_layering.py)")
        return 1
    if files == 0:
        print(f"layering: no .h/.cc files found under {root}", file=sys.stderr)
        return 2
    print(f"layering: {files} files, {total} includes, all edges allowed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
