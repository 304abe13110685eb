"""Which build of Vectorizer is running: the source commit, reported where Qdrant reports
its own (`GET /`'s `commit`, gRPC `HealthCheck`'s `commit`)."""

from __future__ import annotations

import functools
import json
import re
import subprocess
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

_SHA = re.compile(r"^[0-9a-f]{40}$")


def _installed_commit() -> str | None:
    """The commit pip recorded when Vectorizer was installed from a VCS URL."""
    try:
        raw = distribution("vectorizer").read_text("direct_url.json")
    except PackageNotFoundError:
        return None
    if not raw:
        return None
    commit = json.loads(raw).get("vcs_info", {}).get("commit_id")
    return commit if isinstance(commit, str) and _SHA.match(commit) else None


def _git(*args: str) -> str | None:
    here = Path(__file__).resolve()
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=here.parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _checkout_commit() -> str | None:
    """HEAD of the git work tree the package is imported from (a source checkout or an
    editable install), asked of git itself; only when that tree tracks this package
    (not, say, a project repository that happens to hold a virtualenv)."""
    if _git("ls-files", "--error-unmatch", "__init__.py") is None:
        return None
    commit = _git("rev-parse", "HEAD")
    return commit if commit is not None and _SHA.match(commit) else None


@functools.cache
def build_commit() -> str | None:
    """The 40-hex source commit of this build, or None when it cannot be known (an
    installed wheel that recorded none)."""
    return _installed_commit() or _checkout_commit()
