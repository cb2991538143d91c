"""XLSX export of any list, with the filters the user applied."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from app.templating import LOCAL_TZ

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).replace(tzinfo=None)
    if isinstance(value, Decimal | int | float | date | str) or value is None:
        return value
    return str(value)


def xlsx(
    title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, number_formats: dict[int, str] | None = None
) -> bytes:
    """A one-sheet workbook (write-only, so ten thousand rows stay cheap)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    from openpyxl.cell import WriteOnlyCell

    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    formats = number_formats or {}
    for row in rows:
        if formats:
            # a styled cell object only where a number format is wanted; plain values elsewhere
            cells: list[Any] = []
            for index, value in enumerate(row):
                if index in formats:
                    cell = WriteOnlyCell(sheet, value=_cell(value))
                    cell.number_format = formats[index]
                    cells.append(cell)
                else:
                    cells.append(_cell(value))
            sheet.append(cells)
        else:
            sheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def content_disposition(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"
