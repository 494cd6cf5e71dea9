"""Input trees: what a reader may open under a folder it was given.

A folder of exports is the user's; a link in it that leads elsewhere (a maildir
entry pointing at ``/etc/shadow``, a Slack channel folder linked to a home
directory) is not, and is never followed. Links that stay inside the tree are.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["tree_files", "within"]


def within(root: Path, path: Path) -> bool:
    """Whether ``path``, every link resolved, exists and lies inside ``root`` (resolved)."""
    try:
        real = path.resolve(strict=True)
        top = root.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, a dangling link, or a loop of links
        return False
    return real == top or real.is_relative_to(top)


def tree_files(root: Path) -> Iterator[tuple[Path, bool]]:
    """Every file under ``root`` in path order, with whether it may be opened.

    ``False`` marks a link that leads out of ``root`` (or nowhere); linked folders
    are entered only when they lie inside it, each once. Hidden names are passed over.
    """
    top = root.resolve()
    seen: set[Path] = set()
    found: list[tuple[Path, bool]] = []
    for folder, dirs, files in os.walk(root, followlinks=True):
        here = Path(folder)
        real = here.resolve()
        if real in seen:  # a link back into the tree: its files are listed already
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = [d for d in dirs if not d.startswith(".") and within(top, here / d)]
        for name in files:
            if not name.startswith("."):
                path = here / name
                if path.is_symlink():
                    found.append((path, within(top, path) and path.is_file()))
                elif path.is_file():  # not fifos, sockets or devices
                    found.append((path, True))
    yield from sorted(found)
