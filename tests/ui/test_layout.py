"""The staff UI keeps each topic in one folder (docs/INTERNALS.md, "The staff UI"): a topic
folder that Django does not know, or whose templates do not load, fails here rather than as a
TemplateDoesNotExist on the first page view in production."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from django.apps import apps
from django.template.loader import get_template

import stammkunde
import stammkunde.ui

UI = Path(stammkunde.ui.__file__).parent
PYPROJECT = UI.parents[2] / "pyproject.toml"
# Packages of the ui app that are not topics.
SHARED_PACKAGES = {"migrations", "templatetags"}
TOPICS = sorted(
    path.name
    for path in UI.iterdir()
    if (path / "__init__.py").exists() and path.name not in SHARED_PACKAGES
)


def _templates() -> list[str]:
    names = []
    for templates in [UI / "templates", *(UI / topic / "templates" for topic in TOPICS)]:
        names += [str(path.relative_to(templates)) for path in templates.rglob("*.html")]
    return sorted(names)


def test_no_two_folders_ship_a_template_of_the_same_name():
    # Django's app loader takes the first app that has a name and silently ignores the other,
    # so a topic would render another topic's page.
    names = _templates()
    assert sorted({name for name in names if names.count(name) > 1}) == []


def test_the_known_topics_are_folders():
    assert {"customers", "identity", "connectors", "analytics"} <= set(TOPICS)


@pytest.mark.parametrize("topic", TOPICS)
def test_each_topic_folder_is_an_installed_app(topic):
    config = apps.get_app_config(f"ui_{topic}")
    assert config.name == f"stammkunde.ui.{topic}"


@pytest.mark.parametrize("topic", TOPICS)
def test_each_topic_is_in_the_independence_contract(topic):
    contracts = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    independent = next(c["modules"] for c in contracts if c["name"].startswith("Staff UI topics"))
    assert f"stammkunde.ui.{topic}" in independent


@pytest.mark.parametrize("name", _templates())
def test_every_template_loads_with_its_tag_libraries(name):
    # Compiling resolves {% extends %}, {% load %} and partials, so a template moved away from
    # the tag library or base it needs fails here.
    assert get_template(name).origin.template_name == name


def _all_template_files() -> list[Path]:
    """Every template shipped in the package (the staff UI's and the other apps')."""
    return sorted(Path(stammkunde.__file__).parent.rglob("templates/**/*.html"))


def test_page_titles_hold_no_markup():
    # A page's {% block title %} becomes the browser tab's text; markup in it means a section was
    # pasted into the title (a team page and the knowledge base showed their forms only there).
    title = re.compile(r"{%\s*block title\s*%}(.*?){%\s*endblock", re.S)
    pasted = [
        str(path)
        for path in _all_template_files()
        for match in title.finditer(path.read_text(encoding="utf-8"))
        if "<" in match.group(1)
    ]
    assert pasted == []


def _styled_classes() -> set[str]:
    """Every class name a selector of the package's own stylesheets mentions."""
    sheets = [
        path
        for path in Path(stammkunde.__file__).parent.rglob("static/**/*.css")
        if "vendor" not in path.parts
    ]
    text = "\n".join(path.read_text(encoding="utf-8") for path in sheets)
    return set(re.findall(r"\.([A-Za-z][\w-]*)", text))


def _class_lists(pattern: str) -> list[tuple[str, list[str]]]:
    """(template, static classes) of each element whose class attribute matches ``pattern``;
    names built by template tags are left out."""
    found = []
    for path in _all_template_files():
        for match in re.finditer(pattern, path.read_text(encoding="utf-8")):
            value = re.sub(r"{[{%].*?[%}]}", "\0", match.group(1))
            names = [name for name in value.split() if "\0" not in name]
            found.append((path.name, names))
    return found


def test_every_badge_modifier_is_styled():
    # A badge's modifier is its meaning ("overdue", "due soon", "escalated"): unstyled, an
    # overdue case looked like every other one in the case queue.
    styled = _styled_classes()
    unstyled = sorted(
        {
            (template, name)
            for template, names in _class_lists(r'class="(badge\b[^"]*)"')
            for name in names
            if name not in styled
        }
    )
    assert unstyled == []


def test_every_table_has_a_styled_table_class():
    # The desk's tables carried class="table", which no stylesheet knows: no lines, no padding.
    styled = _styled_classes()
    unstyled = [
        (template, names)
        for template, names in _class_lists(r'<table\b[^>]*class="([^"]*)"')
        if not set(names) & styled
    ]
    assert unstyled == []


def test_two_column_pages_use_the_styled_grid():
    # The case page wrapped its columns in "cols" (no rule): the customer's history stood
    # below the reply box instead of beside it.
    styled = _styled_classes()
    assert "columns" in styled
    pages = [path for path in _all_template_files() if 'class="col-main"' in path.read_text()]
    assert pages
    outside = [
        path.name
        for path in pages
        if not re.search(r'class="columns">\s*<div class="col-main">', path.read_text())
    ]
    assert outside == []


def test_view_tabs_and_filter_bars_are_styled():
    # The case queue's views and filters: the current view marked, the filters in a row.
    styled = _styled_classes()
    for _template, names in _class_lists(r'<(?:nav|form)\b[^>]*class="([^"]*)"'):
        if {"tabs", "filters", "inline-form"} & set(names):
            assert set(names) & styled, names
    sheet = (Path(stammkunde.ui.__file__).parent / "static/ui/stammkunde.css").read_text()
    assert re.search(r'\.tabs > a\[aria-current="page"\]', sheet)
