"""Cutting long texts into platform-sized pieces: between sections first, then lines, then (one line
too long) at a space or, last, between characters; nothing lost and the order kept."""

from __future__ import annotations

from bot.core.chunks import by_bytes, by_chars, pack, split_lines


def test_sections_stay_whole_when_they_fit_and_are_joined_up_to_the_limit():
    sections = ["a" * 40, "b" * 40, "c" * 40]
    assert pack(sections, by_chars(90)) == ["a" * 40 + "\n\n" + "b" * 40, "c" * 40]
    assert pack(sections, by_chars(1000)) == ["\n\n".join(sections)]
    assert pack(["", "x", ""], by_chars(5)) == ["x"]


def test_a_section_too_big_is_cut_between_lines_and_the_next_section_starts_a_piece():
    big = "\n".join(f"line {n:02d}" for n in range(10))  # 10 lines of 7 characters
    pieces = pack(["head", big, "tail"], by_chars(24))
    assert pieces == ["head", "line 00\nline 01\nline 02", "line 03\nline 04\nline 05",
                      "line 06\nline 07\nline 08", "line 09\n\ntail"]
    assert all(len(p) <= 24 for p in pieces)


def test_one_long_line_is_cut_at_a_space_then_hard():
    assert split_lines("alpha beta gamma delta", by_chars(12)) == ["alpha beta ", "gamma delta"]
    assert split_lines("x" * 25, by_chars(10)) == ["x" * 10, "x" * 10, "x" * 5]


def test_bytes_never_cut_a_character_in_two():
    pieces = split_lines("字" * 1000, by_bytes(2048))
    assert pieces == ["字" * 682, "字" * 318]
    assert "".join(pieces) == "字" * 1000
