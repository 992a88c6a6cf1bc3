"""Button data of the desk, admin and privacy screens: what is encoded comes back, and
nothing else decodes."""

from __future__ import annotations

import pytest

from bot.services import callback_data as cb
from conversations.callbacks import MAX_BYTES, pack, unpack

BUTTONS: list[cb.Button] = [
    cb.DeskList("s", "*", "*", "*", 3),
    cb.DeskFind(2, "砖厂: 甲级"),
    cb.DeskFind(1, ""),
    cb.DeskOpen(17),
    cb.DeskDecide(17, "a"),
    cb.DeskReopen(17),
    cb.DeskCancel("a1b2c3d4"),
    cb.DeskEvidence(5),
    cb.DeskReport(17),
    cb.AdminConfirm("a1b2c3d4"),
    cb.AdminCancel("a1b2c3d4"),
    cb.PrivacyAnswer(erase=True, token="a1b2c3d4"),
    cb.PrivacyAnswer(erase=False, token="a1b2c3d4"),
]


def _decode(data: str) -> cb.Button | None:
    return cb.decode_desk(data) or cb.decode_admin(data) or cb.decode_privacy(data)


@pytest.mark.parametrize("button", BUTTONS, ids=repr)
def test_every_button_comes_back_as_it_was_sent(button: cb.Button) -> None:
    data = cb.encode(button)
    assert len(data.encode()) <= MAX_BYTES
    assert _decode(data) == button


def test_the_wire_format_is_the_one_buttons_already_carry() -> None:
    assert cb.encode(cb.DeskList("s", "*", "*", "*", 1)) == "as:l:s:*:*:*:1"
    assert cb.encode(cb.DeskDecide(9, "r")) == "as:d:9:r"
    assert cb.encode(cb.DeskFind(2, "a:b")) == "as:f:2:a:b"
    assert cb.encode(cb.AdminConfirm("tok")) == "ad:c:tok"
    assert cb.encode(cb.PrivacyAnswer(erase=False, token="tok")) == "pv:n:tok"


@pytest.mark.parametrize(
    "data",
    [
        "",
        "as",
        "as:",
        "as:zz",
        "as:s",
        "as:s:",
        "as:s:1:2",
        "as:s:-1",
        "as:s:x",
        "as:e:١",
        "as:l:s:*:*:*",
        "as:l:s:*:*:*:p",
        "as:f:x:text",
        "as:f:1",
        "as:d:1",
        "as:d:1:",
        "as:x:",
        "ad:zz",
        "ad:c",
        "ad:c:",
        "ad:c:a:b",
        "pv:z:tok",
        "pv:y",
        "pv:y:",
        "iv:a:q:y",
        "as:s:" + "1" * 70,
    ],
)
def test_malformed_or_foreign_data_decodes_to_nothing(data: str) -> None:
    assert _decode(data) is None


def test_a_button_that_would_not_fit_telegrams_limit_is_refused_when_made() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        cb.encode(cb.DeskCancel("t" * 60))
    with pytest.raises(ValueError, match="64 bytes"):
        cb.encode(cb.DeskFind(1, "砖" * 20))


def test_a_field_that_would_not_come_back_whole_is_refused() -> None:
    with pytest.raises(ValueError):
        pack("as", "x", "a:b")
    with pytest.raises(ValueError):
        pack("as", "x", "")
    assert unpack(pack("as", "f", 1, tail="a:b"), "as") == ("f", ["1", "a", "b"])
