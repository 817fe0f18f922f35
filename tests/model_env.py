"""An import path holding only a model's logged requirements, for loading it as a fresh environment would.

`isolated_site(requirements, into)` lays out a site directory with exactly the
distributions the requirement lines name plus everything they depend on (walked
through the installed metadata, markers and extras honoured), linked from this
virtualenv: the same files `pip install -r requirements.txt` would put there,
since the model's requirements pin the versions installed here (checked). Not
the Omnicast project, not its editable install, not the checkout: a process
started with `python -I -S` that adds only this directory cannot import
Omnicast unless the model brings its own code.

Whole top-level folders are linked where no excluded distribution shares them
(so the compiled bytecode beside them is reused); a namespace folder shared
with an excluded distribution is rebuilt one level down.
"""

from __future__ import annotations

from collections import defaultdict
from importlib import metadata
from pathlib import Path, PurePosixPath

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def closure(requirements: list[str]) -> dict[str, metadata.Distribution]:
    """Installed distributions the requirement lines need, by canonical name."""
    found: dict[str, metadata.Distribution] = {}
    todo = [(Requirement(line), "") for line in requirements if line.strip() and not line.startswith("#")]
    extras_seen: set[tuple[str, str]] = set()
    while todo:
        req, extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(req.name)
        dist = found.get(name) or metadata.distribution(req.name)
        if req.specifier and not req.specifier.contains(dist.version, prereleases=True):
            raise AssertionError(f"{req} is logged but {dist.version} is installed")
        new_extras = [e for e in ("", *req.extras) if (name, e) not in extras_seen]
        if name in found and not new_extras:
            continue
        found[name] = dist
        for e in new_extras:
            extras_seen.add((name, e))
            todo.extend((Requirement(r), e) for r in dist.requires or [])
    return found


def _owned_paths(dist: metadata.Distribution) -> list[PurePosixPath]:
    return [PurePosixPath(str(f)) for f in dist.files or [] if ".." not in PurePosixPath(str(f)).parts]


def isolated_site(requirements: list[str], into: Path) -> Path:
    """A site directory with only `requirements` (and their dependencies) in it."""
    keep = closure(requirements)
    site = Path(str(next(iter(keep.values())).locate_file(""))).resolve()
    owners: dict[PurePosixPath, set[str]] = defaultdict(set)
    for dist in metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"])
        if Path(str(dist.locate_file(""))).resolve() != site:
            continue
        for path in _owned_paths(dist):
            for depth in range(1, len(path.parts) + 1):
                owners[PurePosixPath(*path.parts[:depth])].add(name)
    wanted = {p for name, dist in keep.items() for p in _owned_paths(dist)}
    into.mkdir(parents=True, exist_ok=True)
    _link(PurePosixPath(), owners, set(keep), wanted, site, into)
    return into


def _link(
    prefix: PurePosixPath,
    owners: dict[PurePosixPath, set[str]],
    keep: set[str],
    wanted: set[PurePosixPath],
    site: Path,
    into: Path,
) -> None:
    children = {PurePosixPath(*p.parts[: len(prefix.parts) + 1]) for p in wanted if p.parts[: len(prefix.parts)] == prefix.parts and len(p.parts) > len(prefix.parts)}
    for child in sorted(children):
        if child.suffix == ".pth":
            continue  # path hooks of the environment (e.g. editable installs) are not requirements
        if owners[child] <= keep or child in wanted:
            target = into / child
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                target.symlink_to(site / child)
        else:  # a namespace shared with a distribution the model does not need
            (into / child).mkdir(parents=True, exist_ok=True)
            _link(child, owners, keep, wanted, site, into)
