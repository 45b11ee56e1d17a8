"""Write models/MANIFEST.json and data/MANIFEST.json: size and SHA-256 of every shipped
model and data file (see vidiacritic/integrity.py for how the library uses them).

    python -m scripts.build_manifest                  # both folders of this checkout
    python -m scripts.build_manifest --models DIR     # another models folder (a copy)

The shipped files are those setup.cfg's package_data installs, less the cards and
other documentation (*.md): one list for the wheel and the manifest.  A build script
calls :func:`refresh_for` after writing a shipped file (build_lexicon.py does); run
this after rebuilding one otherwise.
"""
from __future__ import annotations

import argparse
import configparser
import glob
import json
from pathlib import Path
from typing import Iterable, List, Optional, Sequence

from vidiacritic import safeio
from vidiacritic.integrity import FORMAT, MANIFEST, ends_sha256, sha256_file

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("models", "data")
NOT_LISTED = (".md", ".py", ".pyc")


def write_manifest(folder: Path, names: Iterable[str]) -> Path:
    """Write ``folder/MANIFEST.json`` for these files (paths relative to `folder`, with
    "/"), atomically; returns its path."""
    folder = Path(folder)
    files = {}
    for name in sorted(set(names)):
        path = folder.joinpath(*name.split("/"))
        files[name] = {"size": path.stat().st_size, "sha256": sha256_file(path), "ends": ends_sha256(path)}
    out = folder / MANIFEST
    data = json.dumps({"format": FORMAT, "files": files}, indent=1, sort_keys=True) + "\n"
    safeio.write_at(None, str(out), data.encode("utf-8"), mode=0o644)  # the project's one atomic writer
    return out


def shipped_patterns(kind: str) -> List[str]:
    """The package_data patterns of vidiacritic.<kind> in setup.cfg."""
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    return [p.strip() for p in cfg["options.package_data"][f"vidiacritic.{kind}"].split(",") if p.strip()]


def shipped_names(folder: Path, kind: str) -> List[str]:
    """Files of `folder` that the wheel installs for `kind`, documentation and the
    manifest itself excepted (paths relative to `folder`, with "/")."""
    names = set()
    for pattern in shipped_patterns(kind):
        for name in glob.glob(pattern, root_dir=folder):
            if (folder / name).is_file() and not name.endswith(NOT_LISTED) and name != MANIFEST:
                names.add(Path(name).as_posix())
    return sorted(names)


def build(folder: Path, kind: str) -> Path:
    out = write_manifest(folder, shipped_names(folder, kind))
    print(f"manifest -> {out} ({len(shipped_names(folder, kind))} files)")
    return out


def refresh_for(path) -> Optional[Path]:
    """Rebuild the manifest of the models/ or data/ folder that holds `path`, when
    there is one (a file written elsewhere, e.g. a test's folder, has none)."""
    for folder in Path(path).resolve().parents:
        if folder.name in KINDS and (folder / MANIFEST).is_file():
            return build(folder, folder.name)
    return None


def main(argv: Optional[Sequence[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", type=Path, help="models folder (default: this checkout's)")
    ap.add_argument("--data", type=Path, help="data folder (default: this checkout's)")
    args = ap.parse_args(argv)
    chosen = {k: getattr(args, k) for k in KINDS if getattr(args, k) is not None}
    for kind, folder in (chosen or {k: ROOT / k for k in KINDS}).items():
        build(folder, kind)


if __name__ == "__main__":
    main()
