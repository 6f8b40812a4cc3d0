"""Critics' Markdown renders to a small, safe subset of HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from coverage.drafts.rendering import (
    Rendered,
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
