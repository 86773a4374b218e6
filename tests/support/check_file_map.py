#!/usr/bin/env python3
"""Checks that docs/architecture.md names every file under src/.

A file src/<layer>/<name>.<ext> is named when a back-quoted name in the page
is `<layer>/<name>` (covering its .h and .cc), the file's path with or
without src/, or a glob over them (`engine/notify*`). Exits 1 listing the
files no table names, so that a new file comes with its line in the map.

Usage: check_file_map.py SOURCE_ROOT
"""
import fnmatch
import pathlib
import re
import sys


def names_in(page):
    names = set()
    for quoted in re.findall(r"`([^`]+)`", page):
        for name in re.split(r",\s*", quoted):
            name = name.strip()
            if name.startswith("src/"):
                name = name[len("src/"):]
            names.add(re.sub(r"\.(h|cc)$", "", name))
    return names


def main(root):
    root = pathlib.Path(root)
    names = names_in((root / "docs" / "architecture.md").read_text(encoding="utf-8"))
    missing = []
    for path in sorted((root / "src").glob("*/*")):
        if path.suffix not in (".h", ".cc"):
            continue
        stem = f"{path.parent.name}/{path.stem}"
        if not any(fnmatch.fnmatchcase(stem, name) for name in names):
            missing.append(str(path.relative_to(root)))
    if missing:
        print("docs/architecture.md names none of these files:")
        for path in missing:
            print(f"  {path}")
        return 1
    print(f"docs/architecture.md names every file under src/ ({len(list((root / 'src').glob('*/*')))})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
