"""One catalogue for every text file: both file shapes obey the same rules and fill the same way."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from importlib import resources
from types import SimpleNamespace

import pytest

from criteria.catalogue import Catalogue, CatalogueError, Text, placeholders

# A catalogue from {key: {lang: text}} in each of the two file shapes, with the file name(s)
# an error must name.
Shape = Callable[[Mapping[str, Mapping[str, str]]], Catalogue]


def _per_language(entries: Mapping[str, Mapping[str, str]]) -> Catalogue:
    sources: dict[str, str] = {}
    for lang in ("zh", "en"):
        lines = [f"{key}: {texts[lang]!r}" for key, texts in entries.items() if lang in texts]
        sources[lang] = "\n".join(lines) + "\n"
    return Catalogue.from_yaml(sources, stem="pkg/texts")


def _leaves(entries: Mapping[str, Mapping[str, str]]) -> Catalogue:
    lines = [
        f"{key}: {{{', '.join(f'{lang}: {text!r}' for lang, text in texts.items())}}}"
        for key, texts in entries.items()
    ]
    return Catalogue.from_leaves_yaml("\n".join(lines) + "\n", source="pkg/texts.yaml")


SHAPES = [
    pytest.param(_per_language, "pkg/texts.en.yaml", id="file-per-language"),
    pytest.param(_leaves, "pkg/texts.yaml", id="languages-in-leaves"),
]


@pytest.mark.parametrize(("shape", "file"), SHAPES)
def test_a_missing_translation_fails_loading_naming_file_and_key(shape: Shape, file: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        shape({"greet": {"zh": "你好", "en": "Hello"}, "farewell": {"zh": "再见"}})
    message = str(caught.value)
    assert file in message
    assert "farewell" in message
    assert "no en text" in message


@pytest.mark.parametrize(("shape", "file"), SHAPES)
def test_different_placeholders_fail_loading_naming_file_and_key(shape: Shape, file: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        shape({"figure": {"zh": "数值 {value}", "en": "value {amount}"}})
    message = str(caught.value)
    assert file in message
    assert "figure: zh uses ['value'] but en uses ['amount']" in message


@pytest.mark.parametrize(("shape", "file"), SHAPES)
def test_an_empty_text_fails_loading(shape: Shape, file: str) -> None:
    with pytest.raises(CatalogueError, match=re.escape(f"{file}: title has an empty en text")):
        shape({"title": {"zh": "标题", "en": ""}})


@pytest.mark.parametrize(("shape", "file"), SHAPES)
def test_placeholders_are_compared_by_name_in_both_shapes(shape: Shape, file: str) -> None:
    texts = shape(
        {"line": {"zh": "第 {row[0]} 行：{item.name}", "en": "{item.name} on row {row[0]}"}}
    )
    assert placeholders(texts.raw("line", "zh")) == {"row", "item"}
    assert texts.text("line", "en", row=[3], item=SimpleNamespace(name="A")) == "A on row 3"


@pytest.mark.parametrize(("shape", "file"), SHAPES)
def test_both_shapes_render_the_same_strings(shape: Shape, file: str) -> None:
    texts = shape(
        {
            "progress": {
                "zh": "第 {position}/{total} 题 · {section}",
                "en": "Question {position}/{total} · {section}",
            },
            "sep": {"zh": "、", "en": ", "},
        }
    )
    assert texts.text("progress", "zh", position=7, total=31, section="能源") == "第 7/31 题 · 能源"
    section = Text("能源", "Energy")
    assert texts.text("progress", "en", position=7, total=31, section=section) == (
        "Question 7/31 · Energy"
    )
    assert texts.both("progress", position=1, total=2, section=section) == Text(
        "第 1/2 题 · 能源", "Question 1/2 · Energy"
    )
    assert texts.join("sep", [Text("甲", "a"), Text("乙", "b")]) == Text("甲、乙", "a, b")


@pytest.mark.parametrize(("shape", "file"), SHAPES)
def test_a_missing_parameter_is_a_clear_error_naming_the_key(shape: Shape, file: str) -> None:
    texts = shape(
        {"progress": {"zh": "第 {position}/{total} 题", "en": "Question {position}/{total}"}}
    )
    with pytest.raises(KeyError, match="text 'progress' \\(zh\\) needs the parameter 'total'"):
        texts.text("progress", "zh", position=1)
    with pytest.raises(KeyError, match="text 'progress' \\(zh\\) needs the parameter 'position'"):
        texts.both("progress", total=2)


def test_a_leaf_with_another_language_or_a_non_text_is_refused() -> None:
    with pytest.raises(
        CatalogueError, match=re.escape("pkg/t.yaml: a.b must have exactly the languages zh, en")
    ):
        Catalogue.from_leaves({"a": {"b": {"zh": "甲", "en": "A", "fr": "A"}}}, source="pkg/t.yaml")
    with pytest.raises(CatalogueError, match=r"pkg/t.yaml: a.b \(en\) is int"):
        Catalogue.from_leaves({"a": {"b": {"zh": "甲", "en": 3}}}, source="pkg/t.yaml")
    with pytest.raises(CatalogueError, match=re.escape("pkg/t.yaml: a must map zh, en to texts")):
        Catalogue.from_leaves({"a": "甲"}, source="pkg/t.yaml")
    with pytest.raises(
        CatalogueError, match=re.escape("pkg/texts.zh.yaml: a is int, expected a text")
    ):
        Catalogue.from_yaml({"zh": "a: 3\n", "en": "a: x\n"}, stem="pkg/texts")


def test_nested_groups_and_dotted_keys_name_the_same_text() -> None:
    nested = Catalogue.from_leaves_yaml("a:\n  b: {zh: 甲, en: A}\n", source="n.yaml")
    flat = Catalogue.from_leaves_yaml("a.b: {zh: 甲, en: A}\n", source="f.yaml")
    assert nested.text("a.b", "en") == flat.text("a.b", "en") == "A"
    with pytest.raises(CatalogueError, match=re.escape("d.yaml: a.b is defined twice")):
        Catalogue.from_leaves_yaml(
            "a.b: {zh: 甲, en: A}\na:\n  b: {zh: 乙, en: B}\n", source="d.yaml"
        )


def test_catalogues_of_either_shape_merge_and_a_key_defined_twice_is_refused() -> None:
    screens = _per_language({"desk.title": {"zh": "评审", "en": "Review"}})
    report = _leaves({"report.title": {"zh": "报告", "en": "Report"}})
    merged = screens.merged(report)
    assert merged.text("desk.title", "zh") == "评审"
    assert merged.both("report.title") == Text("报告", "Report")
    with pytest.raises(CatalogueError, match=re.escape("texts defined twice: desk.title")):
        merged.merged(screens)


# The bot's chat screens: one file per screen group and language.
BOT_GROUPS = sorted(
    entry.name.removesuffix(".zh.yaml")
    for entry in resources.files("bot").joinpath("data").iterdir()
    if entry.name.endswith(".zh.yaml")
)


@pytest.mark.parametrize(
    "load",
    [
        pytest.param(
            lambda: Catalogue.packaged_leaves("criteria", "rulesets/_texts.yaml"), id="criteria"
        ),
        pytest.param(lambda: Catalogue.packaged("conversations", "data/texts"), id="interview"),
        pytest.param(
            lambda: Catalogue.packaged_leaves("bot", "data/report_texts.yaml"), id="report"
        ),
        pytest.param(
            lambda: Catalogue.packaged_leaves("bot", "data/assessor_cli.yaml"), id="assessor-cli"
        ),
        *(
            pytest.param(lambda group=group: Catalogue.packaged("bot", f"data/{group}"), id=group)
            for group in BOT_GROUPS
        ),
    ],
)
def test_every_packaged_text_file_loads_under_the_same_rules(load: Callable[[], Catalogue]) -> None:
    texts = load()
    assert texts.languages == ("zh", "en")
    assert texts.keys("zh") == texts.keys("en")
