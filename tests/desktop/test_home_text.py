"""Home's rich-text labels escape the person's and the summary's words as html.escape does."""

from __future__ import annotations

import html

import pytest

from desktop.welcome_view import Heading, escape


@pytest.mark.parametrize(
    "text",
    ["", "plain words", "a < b & c > d", "\"quoted\" and 'single'", "&amp; already", "<b>no</b>"],
)
def test_escape_is_html_escape(text: str) -> None:
    assert escape(text) == html.escape(text)


@pytest.mark.usefixtures("qapp")
def test_a_heading_shows_markup_as_written() -> None:
    heading = Heading("Warmth <b>off</b> & squeezing 40 mmHg")
    assert heading.plain() == "Warmth <b>off</b> & squeezing 40 mmHg"
    assert "&lt;b&gt;off&lt;/b&gt; &amp; squeezing" in heading.text()
