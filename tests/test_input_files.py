"""Every reader's gate: regular files only, bounded size and depth, strict YAML and JSON."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from circularity.errors import InputError
from circularity.input_files import MAX_DEPTH, control_character, load_json, load_yaml, read_text

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(7)
)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a: 1\na: 2\n", "given twice (first on line 1)"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), f"deeper than {MAX_DEPTH}"),
        ("a: 2025-02-30\n", "cannot be read"),
        ("a: " + "9" * 5000 + "\n", "cannot be read"),
        (BOMB, "billion laughs"),
        ("a: [1\n", "broken YAML"),
    ],
)
def test_yaml_refusals(text: str, words: str) -> None:
    with pytest.raises(InputError) as exc:
        load_yaml(text, "f.yaml")
    assert str(exc.value).startswith("f.yaml:") and words in str(exc.value)


def test_yaml_ok_and_shared_aliases_within_bound() -> None:
    assert load_yaml("a: &x [1, 2]\nb: *x\n", "f.yaml") == {"a": [1, 2], "b": [1, 2]}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"a": 1, "a": 2}', "given twice"),
        ("[" * 100_000 + "]" * 100_000, "deeper than"),
        ('{"a": NaN}', "NaN"),
        ('{"a": -Infinity}', "Infinity"),
        ("[1e400]", "finite"),
        ("[" + "9" * 5000 + "]", "cannot be read"),
        ('{"a": ', "malformed JSON"),
    ],
)
def test_json_refusals(text: str, words: str) -> None:
    with pytest.raises(InputError) as exc:
        load_json(text, "f.json")
    assert words in str(exc.value)


def test_only_regular_files(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    for path, kind in ((fifo, "a FIFO"), (link, "a device"), (tmp_path, "a folder")):
        with pytest.raises(InputError, match=kind):
            read_text(path)


def test_text_rules(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert read_text(path) == "a: 1\n"  # a BOM is dropped
    for raw, words in (
        (b"a: \x00\n", "U+0000"),
        (b"a: 1\nb: \x1b[31m\n", "f.yaml:2: column 4"),
        ("a: \u202e\n".encode(), "U+202E"),
        (b"\xff\xfea\x00", "UTF-16"),
        (b"a: \xe9\n", "not UTF-8"),
    ):
        path.write_bytes(raw)
        with pytest.raises(InputError, match=re.escape(words)):
            read_text(path)
    assert control_character("tab\tand\nnewline") is None
    assert control_character("a\nb", newlines=False) is not None
    assert control_character("bell\x07") is not None and control_character("c1\x85") is not None
