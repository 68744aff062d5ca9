"""Fictional EP texts adopted, written out in each layout real copies come in.

The content is made up (Examplestan); the layouts follow real copies: units between
blank lines, one unit per line, the EP's web page with its navigation and footer, the
Official Journal's table cells (a marker cell, then the text cell) and a PDF's text
(hard-wrapped and hyphenated lines, page furniture between them).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

LAYOUTS = ("blank", "lines", "web", "oj", "pdf")
FRONT = "---\nkind: text_adopted\nsource: test\n---\n"
SHORT_TITLE = "Situation in Examplestan"
EN_DASH, EM_DASH = "\u2013", "\u2014"


@dataclass(frozen=True)
class Resolution:
    """A text adopted: its title line, text number and units (each text without its marker)."""

    title: str = (
        "European Parliament resolution of 11 February 2031 on the situation in Examplestan (2031/2544(RSP))"
    )
    text_id: str = "P9_TA(2031)0056"
    citations: list[str] = field(default_factory=list)
    recitals: list[str] = field(default_factory=list)
    paragraphs: list[tuple[str, list[str]]] = field(default_factory=list)

    def units(self) -> list[tuple[str, str, str]]:
        """(marker, text, label) of every unit in order."""
        out = [("\u2013", text, f"citation {n}") for n, text in enumerate(self.citations, start=1)]
        out += [(f"{letters(n)}.", text, f"recital {letters(n)}") for n, text in enumerate(self.recitals, start=1)]
        for n, (text, points) in enumerate(self.paragraphs, start=1):
            out.append((f"{n}.", text, f"paragraph {n}"))
            for k, point in enumerate(points):
                name = chr(ord("a") + k)
                out.append((f"({name})", point, f"paragraph {n}, point ({name})"))
        return out


def letters(number: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA, 28 -> AB: the EP's recital letters."""
    out = ""
    while number:
        number, rest = divmod(number - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


def example() -> Resolution:
    """A small resolution with every part, points included."""
    return Resolution(
        citations=[
            "having regard to its previous resolutions on Examplestan,",
            "having regard to the Universal Declaration of Human Rights of 1948,",
            "having regard to Rule 144 of its Rules of Procedure,",
        ],
        recitals=[
            "whereas Examplestan signed a partnership agreement with the Union in 2029;",
            "whereas journalists were detained in Examplestan in January 2031;",
        ],
        paragraphs=[
            ("Calls on the authorities of Examplestan to:", [
                "release all journalists detained for their work;",
                "guarantee the freedom of assembly and of association;",
            ]),
            ("Urges the Commission to monitor the situation in Examplestan closely;", []),
            ("Instructs its President to forward this resolution to the Council and the Commission.", []),
        ],
    )


def render(resolution: Resolution, layout: str) -> str:
    """The body (front matter included) of ``resolution`` in ``layout``."""
    return FRONT + {
        "blank": _blank, "lines": _lines, "web": _web, "oj": _oj, "pdf": _pdf,
    }[layout](resolution)


def _unit_lines(resolution: Resolution, marker_gap: str = " ") -> list[str]:
    return [f"{marker}{marker_gap}{text}" for marker, text, _ in resolution.units()]


def _blank(resolution: Resolution) -> str:
    return "\n\n".join([resolution.title, "The European Parliament,", *_unit_lines(resolution)]) + "\n"


def _lines(resolution: Resolution) -> str:
    return "\n".join([resolution.title, "The European Parliament,", *_unit_lines(resolution)]) + "\n"


def _web(resolution: Resolution) -> str:
    navigation = [
        "Index ", " Previous ", " Next ", " Full text ", "Procedure : 2031/2544(RSP)",
        "Document stages in plenary", "Select a document :", "", "Texts tabled :", "", "RC-B9-0144/2031", "",
        "Debates :", "", "PV 11/02/2031 - 6.2", "CRE 11/02/2031 - 6.2", "", "Texts adopted :", "",
        resolution.text_id, "", "Texts adopted", "PDF 146kWORD 61k", "Thursday, 11 February 2031 - Brussels",
        SHORT_TITLE, f"{resolution.text_id}RC-B9-0144/2031", "",
    ]
    body = [resolution.title, "", "The European Parliament,", ""]
    body += [line for unit in _unit_lines(resolution, "  ") for line in (unit, "")]
    footer = ["Last updated: 12 February 2031Legal notice - Privacy policy"]
    return "\n".join(navigation + body + footer) + "\n"


def _oj(resolution: Resolution) -> str:
    header = ["9.2.2032 |", "EN |", "Official Journal of the European Union |", "C 50/38 |",
              resolution.text_id, SHORT_TITLE, resolution.title, "(2032/C 050/05)", "The European Parliament,"]
    cells = []
    for marker, text, _ in resolution.units():
        cell = EM_DASH if marker == EN_DASH else marker
        cells += [f"{cell} |", f"{text} |"]
    return "\n".join(header + cells) + "\n"


PDF_WIDTH = 60
PAGE_LINES = 14


def _pdf(resolution: Resolution) -> str:
    """Hard-wrapped at PDF_WIDTH, long words hyphenated at the break, furniture every PAGE_LINES lines."""
    lines = [resolution.text_id, SHORT_TITLE, *_wrap(resolution.title), "The European Parliament,"]
    for unit in _unit_lines(resolution):
        lines += _wrap(unit)
    out: list[str] = []
    page = 1
    for number, line in enumerate(lines):
        out.append(line)
        if number % PAGE_LINES == PAGE_LINES - 1:
            page += 1
            out += ["1 OJ C 93, 9.3.2026, p. 111.", "RR\\1234567EN.docx", "PE123.456v01-00",
                    "EN United in diversity EN", str(page), SHORT_TITLE]
    out += ["RR\\1234567EN.docx", "PE123.456v01-00", f"{page + 1}"]
    return "\n".join(out) + "\n"


def _wrap(text: str) -> list[str]:
    """Lines of at most PDF_WIDTH characters; a long word at a break is hyphenated across it."""
    lines = textwrap.wrap(text, PDF_WIDTH, break_long_words=False, break_on_hyphens=False)
    out: list[str] = []
    for index, line in enumerate(lines):
        if index + 1 < len(lines):
            following = lines[index + 1].split(" ", 1)
            head = following[0]
            if len(head) >= 8 and head.isalpha() and head.islower():
                # "situa-" / "tion ...": the next line's first word broken as a PDF does.
                line = f"{line} {head[:4]}-"
                lines[index + 1] = head[4:] + (f" {following[1]}" if len(following) > 1 else "")
        out.append(line)
    return out
