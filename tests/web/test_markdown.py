"""The tiny Markdown renderer: the bylaws subset, and nothing unsafe gets through."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from governance import Bylaws, render_bylaws
from node.web.markdown import render_markdown


def test_renders_headings_paragraphs_lists_and_emphasis() -> None:
    html = render_markdown("# Title\n\nSome *soft* and **strong** text\non two lines.\n\n- one\n- two")
    assert html == (
        '<h1 id="title">Title</h1>\n<p>Some <em>soft</em> and <strong>strong</strong> text on two lines.</p>\n'
        "<ul><li>one</li><li>two</li></ul>"
    )


def test_renders_the_bylaws_with_every_section() -> None:
    html = render_markdown(render_bylaws(Bylaws(name="Garden", purpose="Seeds", currency="EUR")))
    # 10: discussion, 11: budget rounds
    assert html.count("<h2") == 11 and html.count("<h1") == 1 and "<ul>" in html


def test_escapes_markup() -> None:
    html = render_markdown('# <script>alert(1)</script>\n\n<img src=x onerror="y">\n\n- <a href="javascript:x">z</a>')
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert "&lt;script&gt;" in html


def test_a_quoted_block_is_a_blockquote_and_an_empty_one_is_nothing() -> None:
    assert str(render_markdown("> Not legal advice.\n> Ask a lawyer.")) == (
        "<blockquote><p>Not legal advice. Ask a lawyer.</p></blockquote>")
    assert str(render_markdown(">")) == str(render_markdown("> \n>")) == ""


@given(st.text())
def test_output_contains_only_our_tags(source: str) -> None:
    html = str(render_markdown(source))
    stripped = html
    for tag in ("h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "li", "em", "strong", "blockquote"):
        stripped = stripped.replace(f"</{tag}>", "")
    stripped = re.sub(r'<(h[1-6]) id="[a-z0-9-]+">|<(p|ul|li|em|strong|blockquote)>', "", stripped)
    assert "<" not in stripped
