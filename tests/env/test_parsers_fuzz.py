"""Fuzz the env-file parsers: any input gives a parse or a ConfigError naming file and line."""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from octoup.env.conda_names import pep440
from octoup.env.detectors import BY_NAME
from octoup.env.detectors.pyproject import poetry_specifier
from octoup.env.reqfile import logical_lines, parse_line
from octoup.errors import ConfigError

LINE = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)
REQUIREMENTISH = st.from_regex(
    r"[a-zA-Z][a-zA-Z0-9._\-]{0,12}(\[[a-z,]{0,8}\])?([<>=!~]{1,3}[0-9.*a-z]{0,8})?"
    r"( ?; ?python_version ?[<>=]{1,2} ?\"3\.[0-9]{1,2}\")?",
    fullmatch=True,
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.one_of(LINE, REQUIREMENTISH))
def test_requirement_lines_parse_or_fail_cleanly(text):
    try:
        requirement = parse_line(text)
    except ConfigError as exc:
        assert exc.hint
        return
    assert requirement.text == text


@FUZZ
@given(st.lists(st.one_of(LINE, REQUIREMENTISH), max_size=12))
def test_logical_lines_number_lines_from_one(lines):
    text = "\n".join(lines)
    for number, line in logical_lines(text):
        assert 1 <= number <= max(len(text.splitlines()), 1)
        assert line == line.strip() and line


@FUZZ
@given(
    st.text(max_size=200),
    st.sampled_from(
        ["environment.yml", "Pipfile", "Pipfile.lock", "requirements.txt", "pyproject.toml", "setup.cfg"]
    ),
)
def test_env_files_parse_or_fail_with_file_and_line(tmp_path_factory, text, name):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / name
    path.write_text(text, encoding="utf-8")
    detector = next(
        d
        for d in BY_NAME.values()
        if any(Path(p).name == name for p in d.patterns) or (name == "setup.cfg" and d.name == "setup")
    )
    try:
        detector.load(path, root=folder)
    except ConfigError as exc:
        assert exc.path.endswith(name) or name in exc.message


@FUZZ
@given(st.text(alphabet="0123456789.*^~<>=!, |", max_size=20))
def test_version_translations_never_crash(text):
    pep440(text)
    # ValueError is the contract for nonsense; the Poetry reader turns it into a ConfigError
    with contextlib.suppress(ValueError):
        poetry_specifier(text)
