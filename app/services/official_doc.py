"""The 公文 layout (GB/T 9704-2012) for the documents the bureau issues as Word files.

A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm, a text area of 156 × 225 mm; the body in
仿宋_GB2312 三号 (16 pt) on a document grid of 22 lines of 28 characters (line pitch 28.95 pt, fixed);
the title in 方正小标宋简体 二号, centred; headings 一、 in 黑体 and （一） in 楷体_GB2312; page numbers
"— 1 —" in 宋体 四号 under the text area, odd pages on the right and even pages on the left, one
character in. The issuer and the date close the text ("成文日期右空四字", the issuer centred above it),
and the 版记 at the end sits between two rules.

Every font is named for east-asian text too (`w:eastAsia`: a run of Chinese characters uses that name,
never the Latin one), and the font table names a fallback for each (`w:altName`: 仿宋_GB2312 → 仿宋,
方正小标宋简体 → 华文中宋 …) with the GB2312 character set, so that a computer without the 方正 or
_GB2312 fonts still sets the text in the matching Chinese face.

Text people typed goes through `clean`: characters XML cannot hold are dropped, never a failed export.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from docx import Document as new_document
from docx.document import Document
from docx.enum.section import WD_SECTION_START
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
TOP, BOTTOM, LEFT, RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
TEXT_WIDTH = Mm(156)
LINE_PITCH = Pt(28.95)  # 225 mm / 22 lines
CHAR_SPACE = -849  # 156 mm / 28 characters of 16 pt: 4096ths of a point taken from each character

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
FALLBACKS = {
    TITLE_FONT: "华文中宋",
    BODY_FONT: "仿宋",
    HEADING_FONT: "SimHei",
    SUBHEADING_FONT: "楷体",
    PAGE_NUMBER_FONT: "SimSun",
}

TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
TABLE_SIZE = Pt(12)  # 小四
SMALL_TABLE_SIZE = Pt(10.5)  # 五号: a table of seven columns

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DIGITS = "〇一二三四五六七八九"


def clean(value: Any) -> str:
    """Text as a document can hold it: characters XML 1.0 cannot hold are dropped."""
    return _NOT_XML.sub("", "" if value is None else str(value))


def width_in_chars(text: str) -> float:
    """How many body characters wide a text is: a Chinese character one, a Latin letter or digit half."""
    return sum(1 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


def _small_number(n: int) -> str:
    """1–31 in Chinese numerals: 七, 十, 十二, 二十, 三十一."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def chinese_date(day: date) -> str:
    """A date as a 公文 writes it out: 2026-12-07 -> 二〇二六年十二月七日."""
    year = "".join(_DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{_small_number(day.month)}月{_small_number(day.day)}日"


# --- the document and its styles ------------------------------------------------------------


def _fonts(r_pr: Any, name: str) -> None:
    """Name one font for every script of a run (ascii, hAnsi, eastAsia, cs); no theme font overrides it."""
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(1 if r_pr.find(qn("w:rStyle")) is not None else 0, fonts)  # rFonts follows rStyle only
    for key in list(fonts.attrib):
        del fonts.attrib[key]
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)
    fonts.set(qn("w:hint"), "eastAsia")


def set_run_font(run: Any, name: str, size: Length | None = None, *, bold: bool | None = None) -> None:
    _fonts(run._element.get_or_add_rPr(), name)
    if size is not None:
        run.font.size = size
    if bold is not None:
        run.font.bold = bold


# the order a paragraph's properties must come in (ECMA-376 CT_PPr): Word refuses a file otherwise
_P_TAGS = (
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
)
_P_ORDER = [qn(f"w:{tag}") for tag in _P_TAGS]


def _p_set(p_pr: Any, element: Any) -> None:
    """Put one child into a paragraph's properties (replacing one of its kind) at its place in the order."""
    existing = p_pr.find(element.tag)
    if existing is not None:
        p_pr.remove(existing)
    rank = _P_ORDER.index(element.tag)
    for index, child in enumerate(p_pr):
        if child.tag in _P_ORDER and _P_ORDER.index(child.tag) > rank:
            p_pr.insert(index, element)
            return
    p_pr.append(element)


def _element(tag: str, **attributes: str) -> Any:
    element = OxmlElement(tag)
    for key, value in attributes.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _indent_chars(p_pr: Any, *, first: float = 0, right: float = 0) -> None:
    """Indents in characters, as Word's "首行缩进 2 字符" (w:firstLineChars, in hundredths): they follow
    the font size; the twips beside them are for a reader that knows no character units (16 pt a character)."""
    attributes: dict[str, str] = {}
    if first:
        attributes.update(firstLineChars=str(round(first * 100)), firstLine=str(round(first * 320)))
    if right:
        attributes.update(rightChars=str(round(right * 100)), right=str(round(right * 320)))
    _p_set(p_pr, _element("w:ind", **attributes))


def _no_grid(p_pr: Any) -> None:
    _p_set(p_pr, _element("w:snapToGrid", val="0"))


def _paragraph_style(document: Document, name: str, font: str, size: Length, *, base: str = "Normal") -> Any:
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles[base]
    style.quick_style = True
    _fonts(style.element.get_or_add_rPr(), font)
    style.font.size = size
    style.font.bold = False
    return style


def _heading(document: Document, name: str, font: str) -> None:
    style = document.styles[name]
    r_pr = style.element.get_or_add_rPr()
    for tag in ("w:color", "w:b", "w:bCs", "w:i", "w:iCs", "w:szCs"):
        for element in r_pr.findall(qn(tag)):
            r_pr.remove(element)
    _fonts(r_pr, font)
    style.font.size = BODY_SIZE
    style.font.bold = False
    fmt = style.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    fmt.keep_with_next = True
    _indent_chars(style.element.get_or_add_pPr(), first=2)


def _font_table(document: Document) -> None:
    """Each font used, with its fallback (w:altName) and the GB2312 character set."""
    part = next(p for p in document.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    table = parse_xml(part.blob)
    for name, fallback in FALLBACKS.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        for tag, value in (("w:altName", fallback), ("w:charset", "86"), ("w:family", "auto"), ("w:pitch", "variable")):
            child = OxmlElement(tag)
            child.set(qn("w:val"), value)
            font.append(child)
        table.append(font)
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)  # a plain part


def _page(document: Document) -> None:
    section = document.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = TOP, BOTTOM
    section.left_margin, section.right_margin = LEFT, RIGHT
    section.header_distance = Mm(15)
    section.footer_distance = Mm(22)  # the page number's rule sits about 7 mm under the text area
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH.pt * 20)))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))
    document.settings.odd_and_even_pages_header_footer = True
    for footer, odd in ((section.footer, True), (section.even_page_footer, False)):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        paragraph.style = document.styles["Page Number Line"]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
        if odd:
            paragraph.paragraph_format.right_indent = PAGE_NUMBER_SIZE  # 单页码居右空一字
        else:
            paragraph.paragraph_format.left_indent = PAGE_NUMBER_SIZE  # 双页码居左空一字
        _page_number(paragraph)


def _page_number(paragraph: Paragraph) -> None:
    """ "— 1 —": the PAGE field between two 一字线."""

    def field_char(kind: str) -> Any:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    paragraph.add_run("— ")
    paragraph.add_run()._element.append(field_char("begin"))
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    paragraph.add_run()._element.append(instruction)
    paragraph.add_run()._element.append(field_char("separate"))
    paragraph.add_run("1")
    paragraph.add_run()._element.append(field_char("end"))
    paragraph.add_run(" —")


def document(title: str, author: str, written_at: datetime | None = None) -> Document:
    """An empty 公文: page, grid, styles, fonts and page numbers set; `written_at` (default now) is the
    file's own date."""
    doc = new_document()
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    r_pr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    _fonts(r_pr, BODY_FONT)
    for tag in ("w:sz", "w:szCs"):
        for element in r_pr.findall(qn(tag)):
            element.set(qn("w:val"), str(round(BODY_SIZE.pt * 2)))
    for element in r_pr.findall(qn("w:lang")):
        element.set(qn("w:val"), "en-US")
        element.set(qn("w:eastAsia"), "zh-CN")
    p_pr = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}")
    _p_set(p_pr, _element("w:spacing", after="0", line=str(round(LINE_PITCH.pt * 20)), lineRule="exact"))

    normal = doc.styles["Normal"]
    _fonts(normal.element.get_or_add_rPr(), BODY_FONT)
    normal.font.size = BODY_SIZE
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.widow_control = False

    body = _paragraph_style(doc, "Official Body", BODY_FONT, BODY_SIZE)
    _indent_chars(body.element.get_or_add_pPr(), first=2)

    title_style = _paragraph_style(doc, "Official Title", TITLE_FONT, TITLE_SIZE)
    title_style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_style.paragraph_format.line_spacing = Pt(35)
    title_style.paragraph_format.keep_with_next = True
    _no_grid(title_style.element.get_or_add_pPr())

    _heading(doc, "Heading 1", HEADING_FONT)
    _heading(doc, "Heading 2", SUBHEADING_FONT)

    cell = _paragraph_style(doc, "Table Text", BODY_FONT, TABLE_SIZE)
    cell.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    cell.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    _no_grid(cell.element.get_or_add_pPr())
    head = _paragraph_style(doc, "Table Heading", HEADING_FONT, TABLE_SIZE, base="Table Text")
    head.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    page_number = _paragraph_style(doc, "Page Number Line", PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    page_number.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _no_grid(page_number.element.get_or_add_pPr())

    imprint = _paragraph_style(doc, "Imprint", BODY_FONT, PAGE_NUMBER_SIZE)
    imprint.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    imprint.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    imprint.paragraph_format.space_before = imprint.paragraph_format.space_after = Pt(3)
    _no_grid(imprint.element.get_or_add_pPr())

    _font_table(doc)
    _page(doc)
    props = doc.core_properties
    props.title = clean(title)
    props.author = props.last_modified_by = clean(author)
    props.language = "zh-CN"
    props.comments = props.keywords = ""
    moment = written_at or datetime.now(UTC)
    props.created = props.modified = (moment.astimezone(UTC) if moment.tzinfo else moment).replace(tzinfo=None)
    return doc


# --- the parts of a document ----------------------------------------------------------------


def title(doc: Document, text: str) -> None:
    doc.add_paragraph(clean(text), style="Official Title")
    doc.add_paragraph()  # 标题下空一行


def mark(doc: Document, text: str) -> None:
    """A mark at the top left, where a 公文 puts 密级 or 紧急程度: here 草稿."""
    paragraph = doc.add_paragraph()
    set_run_font(paragraph.add_run(clean(text)), HEADING_FONT, BODY_SIZE)


def body(doc: Document, text: str, *, indent: bool = True) -> Paragraph:
    return doc.add_paragraph(clean(text), style="Official Body" if indent else None)


def heading(doc: Document, text: str, level: int = 1) -> Paragraph:
    """一、 (level 1, 黑体) or （一） (level 2, 楷体): the number is part of the text."""
    return doc.add_paragraph(clean(text), style=f"Heading {level}")


@dataclass(frozen=True)
class Column:
    header: str
    width_mm: float
    numeric: bool = False


def table(doc: Document, columns: Sequence[Column], rows: Sequence[Sequence[Any]], *, small: bool = False) -> Table:
    """A ruled table across the text area: the header row (黑体, repeated on every page), then the rows
    as given (strings already formatted; numbers right-aligned); a row is never split over two pages."""
    size = SMALL_TABLE_SIZE if small else TABLE_SIZE
    total = sum(c.width_mm for c in columns)
    widths = [Mm(c.width_mm * 156 / total) for c in columns]
    grid = doc.add_table(rows=1, cols=len(columns))
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for index, width in enumerate(widths):
        grid.columns[index].width = width

    def fill(row: Any, values: Sequence[Any], header: bool) -> None:
        row_pr = row._tr.get_or_add_trPr()
        row_pr.append(OxmlElement("w:cantSplit"))
        if header:
            row_pr.append(OxmlElement("w:tblHeader"))
        for cell, column, width, value in zip(row.cells, columns, widths, values, strict=False):
            cell.width = width
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.style = doc.styles["Table Heading" if header else "Table Text"]
            if not header and column.numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = paragraph.add_run(clean(value))
            run.font.size = size

    fill(grid.rows[0], [c.header for c in columns], True)
    for values in rows:
        fill(grid.add_row(), values, False)
    doc.add_paragraph()  # the next heading starts on its own line
    return grid


def signature(doc: Document, issuer: str, day: str) -> None:
    """The issuer centred above the date; the date four characters in from the right (two when the
    issuer is the longer)."""
    issuer = clean(issuer)
    doc.add_paragraph()
    doc.add_paragraph()  # room for the seal
    wide, date_wide = width_in_chars(issuer), width_in_chars(day)
    edge = 4 if date_wide >= wide else 2
    span = max(wide, date_wide)
    for text, own in ((issuer, wide), (day, date_wide)):
        paragraph = doc.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _indent_chars(paragraph._p.get_or_add_pPr(), right=edge + (span - own) / 2)


def imprint(doc: Document, lines: Sequence[str], issued_by: str, issued_on: str) -> None:
    """The 版记: notes between two rules, the last line the issuing office (one character in) and the
    date it was issued (one character from the right)."""
    doc.add_paragraph()
    every = [*lines, ""]
    for index, text in enumerate(every):
        paragraph = doc.add_paragraph(style="Imprint")
        p_pr = paragraph._p.get_or_add_pPr()
        last = index == len(every) - 1
        if last:
            paragraph.paragraph_format.tab_stops.add_tab_stop(
                Length(TEXT_WIDTH - PAGE_NUMBER_SIZE), WD_TAB_ALIGNMENT.RIGHT
            )
            paragraph.add_run(f"{clean(issued_by)}\t{clean(issued_on)}印发")
        else:
            run = paragraph.add_run(clean(text))
            wide = width_in_chars(run.text) * PAGE_NUMBER_SIZE.pt
            room = TEXT_WIDTH.pt - PAGE_NUMBER_SIZE.pt
            if wide > room:  # a digest: made smaller to stay on one line
                run.font.size = Pt(max(7.0, int(room / wide * PAGE_NUMBER_SIZE.pt * 2) / 2))
        paragraph.paragraph_format.left_indent = PAGE_NUMBER_SIZE
        borders = _element("w:pBdr")
        if index == 0:
            borders.append(_element("w:top", val="single", sz="8", space="1", color="000000"))
        if last:
            borders.append(_element("w:bottom", val="single", sz="8", space="1", color="000000"))
        if len(borders):
            _p_set(p_pr, borders)


def save(doc: Document) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
