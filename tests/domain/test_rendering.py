"""Critics' Markdown renders to a small, safe subset of HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from coverage.drafts.rendering import (
    Rendered,
    markdown_without_raw_html,
    render_inline,
    render_markdown,
    render_piece,
    word_count,
)

REL = 'rel="noopener noreferrer nofollow"'
ALLOWED_TAGS = {
    *("p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s"),
    *("blockquote", "ul", "ol", "li", "a", "code", "pre"),
    *("table", "thead", "tbody", "tr", "th", "td"),
}


class Markup(HTMLParser):
    """The elements and attributes a browser would build from the output."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.comments: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.comments.append(data)


# --- Markdown features -------------------------------------------------------------------


def test_emphasis_strong_and_strikethrough():
    html = render_markdown("A *quiet* and **furious** film, ~~not~~ a masterpiece.")
    assert html.strip() == (
        "<p>A <em>quiet</em> and <strong>furious</strong> film, <s>not</s> a masterpiece.</p>"
    )


def test_lists():
    html = render_markdown("- one\n- two\n\n1. first\n2. second\n")
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<ol>\n<li>first</li>\n<li>second</li>\n</ol>" in html


def test_ordered_list_keeps_its_start():
    assert '<ol start="3">' in render_markdown("3. third\n4. fourth")


def test_links_get_rel_added():
    html = render_markdown('See [the trailer](https://example.org/t "Trailer").')
    assert f'<a href="https://example.org/t" title="Trailer" {REL}>the trailer</a>' in html


def test_mailto_links_are_kept():
    assert f'<a href="mailto:desk@example.org" {REL}>' in render_markdown(
        "[write](mailto:desk@example.org)"
    )


def test_relative_and_other_scheme_links_keep_only_their_text():
    html = render_markdown("[home](/films) and [ftp](ftp://x.org/f) and [p](//evil.example)")
    assert "<a" not in html
    assert "<p>home and ftp and p</p>" in html


def test_blockquote():
    assert "<blockquote>\n<p>Cinema is a matter of what" in render_markdown(
        "> Cinema is a matter of what's in the frame."
    )


def test_h1_is_demoted_to_h2_and_other_headings_stay():
    html = render_markdown("# Verdict\n\n## Cast\n\n### Notes")
    assert "<h1" not in html
    assert "<h2>Verdict</h2>" in html
    assert "<h2>Cast</h2>" in html
    assert "<h3>Notes</h3>" in html


def test_code_and_tables():
    html = render_markdown(
        "Use `<b>` sparingly.\n\n| Film | Stars |\n|:-----|------:|\n| Aftersun | 5 |\n"
    )
    assert "<code>&lt;b&gt;</code>" in html
    assert "<table>" in html and "<th>Film</th>" in html and "<td>Aftersun</td>" in html
    assert "style=" not in html  # column alignment is dropped with the style attribute


def test_fenced_code_loses_its_class_but_keeps_escaped_text():
    html = render_markdown("```html\n<script>x</script>\n```")
    assert html.strip() == "<pre><code>&lt;script&gt;x&lt;/script&gt;\n</code></pre>"


def test_horizontal_rule_and_hard_break():
    html = render_markdown("one  \ntwo\n\n---\n")
    assert "<br />" in html or "<br>" in html
    assert "<hr" in html


def test_images_become_their_alt_text():
    html = render_markdown("Still: ![a *lonely* road](https://cdn.example/still.jpg)")
    assert "<img" not in html and "cdn.example" not in html
    assert "Still: a <em>lonely</em> road" in html


def test_raw_html_is_shown_as_text_not_markup():
    html = render_markdown("I <b>loved</b> it")
    assert html.strip() == "<p>I &lt;b&gt;loved&lt;/b&gt; it</p>"


def test_output_is_plain_str():
    assert type(render_markdown("x")) is str
    assert type(render_inline("x")) is str


def test_empty_input():
    assert render_markdown("") == ""
    assert render_inline("") == ""


# --- render_inline -----------------------------------------------------------------------


def test_render_inline_has_no_block_tags():
    html = render_inline("# A *Sundance* [winner](https://example.org)\n\n- with a list")
    assert "<p" not in html and "<h" not in html and "<li" not in html and "<ul" not in html
    assert html == (
        f'# A <em>Sundance</em> <a href="https://example.org" {REL}>winner</a> - with a list'
    )


def test_render_inline_is_sanitised():
    html = render_inline("Hi <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<script" not in html
    assert html == "Hi &lt;script&gt;alert(1)&lt;/script&gt; x"


def test_render_piece():
    rendered = render_piece("*Anora* review", "Sean Baker's **best**", "# Body\n\nText.")
    assert rendered == Rendered(
        headline="<em>Anora</em> review",
        standfirst="Sean Baker's <strong>best</strong>",
        body="<h2>Body</h2>\n<p>Text.</p>\n",
    )
    with pytest.raises(AttributeError):
        rendered.body = "x"  # type: ignore[misc]


# --- XSS payloads --------------------------------------------------------------------------

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](%6A%61%76%61%73%63%72%69%70%74:alert(1))",
    "[x](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "<javascript:alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>@import 'https://evil.example/x.css'</style>",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "<details open ontoggle=alert(1)>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<a href="vbscript:msgbox(1)">x</a>',
    "[x](VBScript:msgbox(1))",
    "![x](https://evil.example/x.png)",
    '![x](javascript:alert(1) "t")',
    "<!-- <script>alert(1)</script> -->",
    '<form action="javascript:alert(1)"><button>go</button></form>',
    "<input autofocus onfocus=alert(1)>",
    "<body onload=alert(1)>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    "<template><script>alert(1)</script></template>",
    '[x](https://ok.example "a\\" onmouseover=\\"alert(1)")',
    "[x]: javascript:alert(1)\n\n[y][x]",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
    "<p onclick=alert(1)>x</p>",
]

DANGEROUS_TAGS = ("script", "iframe", "svg", "img", "object", "embed", "style", "meta", "base")
DANGEROUS_TAGS += ("form", "input", "body", "math", "details", "template", "link", "button")
# The regex checks below look inside tags only: raw HTML in a review is escaped and shown
# as text, so the words "onerror=" or "javascript:" may appear, inert, between tags. The
# attribute-name checks also skip quoted values (a link title may say "onmouseover=").
TAG = re.compile(r"<[^>]*>")
QUOTED = re.compile(r'"[^"]*"' + r"|'[^']*'")
EVENT_HANDLER = re.compile(r"<[^>]*\son\w+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
BAD_URL_IN_TAG = re.compile(r"<[^>]*(javascript|vbscript|data)\s*:", re.IGNORECASE)


@pytest.mark.parametrize("render", [render_markdown, render_inline], ids=["block", "inline"])
@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payload_is_neutralised(payload, render):
    html = render(f"Before the fold.\n\n{payload}\n\nAfter the credits.")
    lowered = html.lower()
    for tag in DANGEROUS_TAGS:
        assert f"<{tag}" not in lowered, tag
    names_only = TAG.sub(lambda tag: QUOTED.sub('""', tag.group()), html)
    assert not EVENT_HANDLER.search(names_only)
    assert not STYLE_ATTRIBUTE.search(names_only)
    assert not BAD_URL_IN_TAG.search(html)
    assert "<!--" not in html

    markup = Markup(html)
    allowed = ALLOWED_TAGS if render is render_markdown else {"strong", "em", "del", "s", "a"}
    assert set(markup.tags) <= allowed | {"code"}
    assert not markup.comments
    for tag, name, value in markup.attributes:
        assert not name.startswith("on") and name != "style"
        assert (tag, name) in {("a", "href"), ("a", "title"), ("a", "rel"), ("ol", "start")}
        if name == "href":
            assert value.startswith(("https://", "http://", "mailto:")), value

    # Harmless text around the payload survives.
    assert "Before the fold." in html
    assert "After the credits." in html


def test_the_sanitiser_holds_the_allow_list_on_its_own():
    """Defence in depth: even HTML the parser would never emit comes out clean."""
    from coverage.drafts.rendering import BLOCK_TAGS, _sanitise

    html = _sanitise(
        '<p style="color:red" onclick="a()">t<script>bad()</script>'
        '<a href=" JaVa&#x09;script:alert(1)">l</a><a href="/rel">r</a>'
        '<a href="https://ok.example" target="_blank" rel="opener">k</a>'
        '<img src="x"><svg><g/></svg><!--c--><iframe src="https://x"></iframe></p>',
        BLOCK_TAGS,
    )
    assert html == (f'<p>t<a {REL}>l</a><a {REL}>r</a><a href="https://ok.example" {REL}>k</a></p>')


# --- word_count ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "words"),
    [
        ("", 0),
        ("Red Rocket's star", 3),
        ("**Red** *Rocket's* star", 3),
        ('[Red Rocket](https://example.org/very/long/url "title")\'s star', 3),
        ("# Verdict\n\nA film — of sorts.", 5),
        ("- one\n- two\n\n> three four", 4),
        ("one\ntwo\n\nthree", 3),
        ("![a still](https://cdn.example/x.png) here", 3),
        ("`code span` and\n\n```\nfenced block\n```", 5),
        ("un*believ*able", 1),
        ("| a | b |\n|---|---|\n| c | d |", 4),
    ],
)
def test_word_count(markdown, words):
    assert word_count(markdown) == words


# --- markdown_without_raw_html: Markdown for a CMS's CommonMark renderer --------------------

# What a CMS might use: a spec CommonMark renderer, raw HTML allowed (the spec's default).
COMMONMARK = MarkdownIt("commonmark")


def raw_html_tokens(markdown: str) -> list[str]:
    found = []
    for token in COMMONMARK.parse(markdown):
        found.extend(t.content for t in [token, *(token.children or [])] if "html" in t.type)
    return found


@pytest.mark.parametrize(
    ("markdown", "opener"),
    [
        ("<script>alert(5)</script>", "<script"),
        ("<iframe src=x>", "<iframe"),
        ("<style>body { display: none }</style>", "<style"),
        ("<img src=x onerror=alert(1)>", "<img"),
        ("<!-- c -->", "<!--"),
        ("<?php ?>", "<?php"),
        ("<![CDATA[x]]>", "<![CDATA["),
        ("<!DOCTYPE html>", "<!DOCTYPE"),
        ("<div onclick=alert(1)>\nA block of *HTML*.\n</div>", "<div"),  # HTML block, line start
        ("The cast <b onmouseover=alert(1)>shines</b> throughout.", "<b"),  # inline, mid-sentence
        ("> - quoted in a list: <iframe src=x></iframe>", "<iframe"),
        ("Closing only: </iframe> here", "</iframe"),
        ("`code` then <script>alert(1)</script> then `more code`", "<script"),
    ],
)
def test_raw_html_is_escaped_for_other_renderers(markdown, opener):
    document = f"Before the fold.\n\n{markdown}\n\nAfter the credits."
    # The fault: a CommonMark renderer makes the raw HTML live.
    assert opener in COMMONMARK.render(document)

    escaped = markdown_without_raw_html(document)
    html = COMMONMARK.render(escaped)
    assert opener not in html
    assert "&lt;" + opener[1:] in html
    assert not raw_html_tokens(escaped)
    # Same meaning in our own renderer, which showed the HTML as text all along.
    assert render_markdown(escaped) == render_markdown(document)
    assert markdown_without_raw_html(escaped) == escaped  # nothing left to escape


def test_only_the_opening_angle_bracket_becomes_an_entity():
    assert markdown_without_raw_html("I <b>loved</b> it, <!-- c -->") == (
        "I &lt;b>loved&lt;/b> it, &lt;!-- c -->"
    )


@pytest.mark.parametrize(
    "markdown",
    [
        "Use `<b>code</b>` sparingly.",
        "Use ``a ` <b>tick</b>`` too.",
        '```html\n<div class="x">fenced</div>\n<script>x()</script>\n```',
        "~~~\n<div>\n~~~",
        "Text.\n\n    <p>indented code</p>\n    <script>x()</script>",
        "> ```\n> <div>quoted fence</div>\n> ```",
        "- item\n\n      <p>code in a list</p>",
        "See <https://example.com/a?b=c> or write to <someone@example.com>.",
        "a < b and c > d, <3, 1 <= 2, << >>",
        '[the trailer](<https://example.com/a b> "Trailer")',
        "[x]: <https://example.com/a b>\n\nSee [x].",
        "An escaped \\<b> is text already.",
        "*Emphasis*, **strong**, ~~gone~~, [link](https://example.org), > not a quote",
        "# Heading\n\n> quote\n\n1. one\n2. two\n\n| a | b |\n|---|---|\n| c | d |",
    ],
)
def test_markdown_without_raw_html_is_left_alone(markdown):
    assert markdown_without_raw_html(markdown) == markdown
    assert not raw_html_tokens(markdown)


def test_code_and_raw_html_in_one_document():
    markdown = (
        "Intro <i>x</i> and `<i>y</i>`.\n\n"
        "```\n<script>kept()</script>\n```\n\n"
        "    <p>indented</p>\n\n"
        "<https://example.com> <script>alert(1)</script>\n"
    )
    escaped = markdown_without_raw_html(markdown)
    assert escaped == (
        "Intro &lt;i>x&lt;/i> and `<i>y</i>`.\n\n"
        "```\n<script>kept()</script>\n```\n\n"
        "    <p>indented</p>\n\n"
        "<https://example.com> &lt;script>alert(1)&lt;/script>\n"
    )
    assert COMMONMARK.render(escaped) == (
        "<p>Intro &lt;i&gt;x&lt;/i&gt; and <code>&lt;i&gt;y&lt;/i&gt;</code>.</p>\n"
        "<pre><code>&lt;script&gt;kept()&lt;/script&gt;\n</code></pre>\n"
        "<pre><code>&lt;p&gt;indented&lt;/p&gt;\n</code></pre>\n"
        '<p><a href="https://example.com">https://example.com</a>'
        " &lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    )
    assert render_markdown(escaped) == render_markdown(markdown)


def test_a_code_span_does_not_run_into_the_next_paragraph():
    escaped = markdown_without_raw_html("An open `tick\n\n<script>alert(1)</script>`")
    assert escaped == "An open `tick\n\n&lt;script>alert(1)&lt;/script>`"
    assert not raw_html_tokens(escaped)


def test_what_only_looks_like_a_link_destination_is_escaped():
    # "](<" starts no link here (the title is not quoted), so CommonMark reads raw HTML.
    markdown = "[x](<script>alert(1)</script>"
    assert raw_html_tokens(markdown)
    escaped = markdown_without_raw_html(markdown)
    assert "<script" not in COMMONMARK.render(escaped)
    assert render_markdown(escaped) == render_markdown(markdown)


def test_inline_values_have_no_code_blocks():
    # As a block, a "~~~" line opens a fence; rendered inline (a headline) it does not.
    headline = "~~~ <img src=x onerror=alert(1)>"
    assert markdown_without_raw_html(headline) == headline
    escaped = markdown_without_raw_html(headline, inline=True)
    assert escaped == "~~~ &lt;img src=x onerror=alert(1)>"
    assert "<img" not in COMMONMARK.renderInline(escaped)
    assert render_inline(escaped) == render_inline(headline)


def test_markdown_without_raw_html_of_nothing():
    assert markdown_without_raw_html("") == ""
    assert markdown_without_raw_html("No angle brackets.") == "No angle brackets."
