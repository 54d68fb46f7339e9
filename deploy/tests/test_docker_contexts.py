"""Every COPY source of the project's Dockerfiles reaches its build context.

The repository root's .dockerignore is an allow-list (`*`, then `!pom.xml`, `!src/` ...): a file a Dockerfile
starts to COPY is silently left out of the context until its line is added, and `docker build` then fails with
"not found" in the compose suite only. This check reads the Dockerfiles and the .dockerignore the way Docker does
(moby/patternmatcher: patterns cleaned, a leading "/" dropped, `**` any directories, a pattern that matches a
parent directory matches the file, the last matching pattern wins, `!` re-includes) without running Docker.

Build contexts (compose/conftest.py): the app's Dockerfile and compose/standins.Dockerfile build from the repository
root; collector/Dockerfile from the directory `collector/build.sh --docker-context DIR` stages; compose/zipkin.Dockerfile
from a directory compose/conftest.py stages with the zipkin jar.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import REPO

COPY_LINE = re.compile(r"^\s*(?:COPY|ADD)\s+(.*)$", re.IGNORECASE | re.MULTILINE)


def copy_sources(dockerfile: Path) -> list[str]:
    """The context paths a Dockerfile's COPY/ADD lines read (not `--from=` stages, which read another stage)."""
    sources = []
    for args in COPY_LINE.findall(dockerfile.read_text(encoding="utf-8")):
        words = args.split()
        if any(w.startswith("--from=") for w in words):
            continue
        words = [w for w in words if not w.startswith("--")]
        assert len(words) >= 2, f"{dockerfile}: cannot read COPY {args!r}"
        sources += words[:-1]
    return sources


def _pattern_regex(pattern: str) -> re.Pattern:
    """moby/patternmatcher's translation of one pattern (already cleaned) into a full-match regex."""
    out, i = "", 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):   # "**/" : zero or more directories
                out += "(.*/)?"
                i += 1
            else:
                out += ".*"
            continue
        out += {"*": "[^/]*", "?": "[^/]"}.get(ch, re.escape(ch))
        i += 1
    return re.compile(out + r"\Z")


def read_dockerignore(path: Path) -> list[tuple[bool, re.Pattern]]:
    """(exclusion?, regex) per line, in order; as docker's ignorefile.ReadAll cleans them."""
    patterns = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        invert = line.startswith("!")
        line = line[1:].strip() if invert else line
        line = os.path.normpath(line).lstrip("/") or "."
        patterns.append((invert, _pattern_regex(line)))
    return patterns


def excluded(rel: str, patterns) -> bool:
    """patternmatcher.MatchesOrParentMatches: a pattern matches the path or one of its parent directories."""
    parts = rel.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for invert, regex in patterns:
        if any(regex.match(c) for c in candidates):
            result = not invert
    return result


def surviving_files(context: Path, source: str, patterns) -> list[str]:
    """The files under context/source that the .dockerignore leaves in the build context."""
    path = context / source
    assert path.exists(), f"COPY {source}: no such path in the build context {context}"
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    rels = [p.relative_to(context).as_posix() for p in files]
    return [r for r in rels if not excluded(r, patterns)]


def root_ignore(dockerfile: Path) -> list:
    # BuildKit prefers <Dockerfile>.dockerignore next to the Dockerfile over the context's .dockerignore.
    own = dockerfile.with_name(dockerfile.name + ".dockerignore")
    return read_dockerignore(own if own.is_file() else REPO / ".dockerignore")


ROOT_CONTEXT = ["Dockerfile", "compose/standins.Dockerfile"]


@pytest.mark.parametrize("dockerfile", ROOT_CONTEXT)
def test_every_copy_source_survives_the_dockerignore(dockerfile):
    path = REPO / dockerfile
    patterns = root_ignore(path)
    sources = copy_sources(path)
    assert sources, f"{dockerfile} copies nothing from its context?"
    lost = [s for s in sources if not surviving_files(REPO, s, patterns)]
    assert lost == [], f"{dockerfile} COPYs {lost}, which .dockerignore leaves out of the build context (add a !line)"


def test_the_dockerignore_check_sees_an_excluded_source():
    """The matcher itself: the allow-list drops what it does not name, keeps what it does, drops READMEs in src/."""
    patterns = read_dockerignore(REPO / ".dockerignore")
    assert excluded("docs/deploy.md", patterns)
    assert excluded("standins/README.md", patterns)
    assert not excluded("pom.xml", patterns)
    assert excluded("src/target/x.class", patterns)
    assert excluded("src/README.md", patterns)


def staged_names_collector() -> set[str]:
    """The names collector/build.sh copies into its --docker-context directory."""
    script = (REPO / "collector" / "build.sh").read_text(encoding="utf-8")
    block = script[script.index('if [[ -n $ctx_dir ]]'):]
    block = block[: block.index("\nelse")]
    variables = dict(re.findall(r'^(\w+)="[^"]*/([^/"]+)"$', script, re.MULTILINE))
    names = set()
    for line in re.findall(r"^\s*cp (.+)$", block, re.MULTILINE):
        words = line.split()
        srcs, dst = words[:-1], words[-1].strip('"')
        renamed = dst.split("$ctx_dir/", 1)[1] if "$ctx_dir/" in dst else ""
        if renamed:
            names.add(renamed)
            continue
        for src in srcs:
            src = src.strip('"')
            var = re.fullmatch(r"\$(\w+)", src)
            names.add(variables[var.group(1)] if var else src.rsplit("/", 1)[-1])
    return names


def staged_names_zipkin() -> set[str]:
    text = (REPO / "compose" / "conftest.py").read_text(encoding="utf-8")
    return set(re.findall(r'context / "([^"]+)"', text))


@pytest.mark.parametrize("dockerfile, staged", [("collector/Dockerfile", staged_names_collector),
                                                ("compose/zipkin.Dockerfile", staged_names_zipkin)])
def test_staged_contexts_hold_every_copy_source(dockerfile, staged):
    names = staged()
    assert names, f"found no staged files for {dockerfile}"
    missing = [s for s in copy_sources(REPO / dockerfile) if s not in names]
    assert missing == [], f"{dockerfile} COPYs {missing}, which its staged build context does not get ({sorted(names)})"
