"""The documentation holds together: README.md stays short and keeps its two set-up
commands, and every relative link in README.md and docs/*.md leads to a file that
exists (and, for `page.md#anchor`, to a heading of that page, by GitHub's anchors)."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
PAGES = [README, *sorted((REPO / "docs").glob("*.md"))]
README_LIMIT = 12_000

SETUP_COMMANDS = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && tm align",
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && python -m pytest -q",
)

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", re.S)   # a run closed by a run as long
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.M)
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$", re.M)
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", re.I)


def without_code(text: str) -> str:
    """The text with fenced code blocks and code spans blanked (links there are not links)."""
    text = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    blank = lambda m: m.group(1) + "x" * (len(m.group(0)) - 2 * len(m.group(1))) + m.group(1)
    # a code span never crosses a blank line: blank them paragraph by paragraph
    return "".join(CODE_SPAN.sub(blank, part) for part in re.split(r"(\n\s*\n)", text))


def github_anchor(heading: str) -> str:
    """GitHub's anchor for a heading: the rendered text lower-cased, characters other than
    letters, digits, spaces, hyphens and underscores dropped, spaces made hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)     # a link keeps its text
    text = re.sub(r"<[^>]+>", "", text)                           # inline HTML tags
    text = text.replace("`", "").replace("*", "")
    text = re.sub(r"(?<!\w)_+|_+(?!\w)", "", text)               # _emphasis_, not snake_case
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    found = set(HTML_ANCHOR.findall(text))
    for _, heading in HEADING.findall(text):
        anchor = github_anchor(heading)
        n = seen.get(anchor, 0)
        seen[anchor] = n + 1
        found.add(anchor if n == 0 else f"{anchor}-{n}")
    return found


def links(page: Path) -> list[str]:
    text = without_code(page.read_text(encoding="utf-8"))
    return INLINE_LINK.findall(text) + REFERENCE_LINK.findall(text)


def is_external(target: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I)) or target.startswith("//")


def test_github_anchor_rules():
    assert github_anchor("Glossary and `tm check`") == "glossary-and-tm-check"
    assert github_anchor("Large archives: parallel runs, Dask, caches") == "large-archives-parallel-runs-dask-caches"
    assert github_anchor("How fast, how much memory") == "how-fast-how-much-memory"
    assert github_anchor("Decisions: corrections.tsv") == "decisions-correctionstsv"
    assert github_anchor("Set-up (fresh machine, Python ≥ 3.11)") == "set-up-fresh-machine-python--311"
    assert github_anchor("Что делает tm") == "что-делает-tm"


def test_readme_is_short_and_keeps_the_set_up_commands():
    text = README.read_text(encoding="utf-8")
    assert len(text) <= README_LIMIT, f"README.md has {len(text)} characters (at most {README_LIMIT}): move reference into docs/"
    for command in SETUP_COMMANDS:
        assert command in text, f"README.md lost its set-up command: {command}"


def test_docs_has_reference_pages():
    pages = {p.name for p in PAGES[1:]}
    assert "ARCHITECTURE.md" in pages
    assert len(pages - {"ARCHITECTURE.md"}) >= 3


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_relative_link_resolves(page):
    problems = []
    found = links(page)
    for target in found:
        if is_external(target):
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            problems.append(f"{target}: no file {dest.relative_to(REPO) if dest.is_relative_to(REPO) else dest}")
            continue
        if not dest.is_relative_to(REPO):
            problems.append(f"{target}: outside the repository")
            continue
        if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            problems.append(f"{target}: no heading with anchor #{anchor} in {dest.relative_to(REPO)}")
    assert not problems, f"{page.relative_to(REPO)}:\n  " + "\n  ".join(problems)
