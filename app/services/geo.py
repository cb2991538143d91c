"""Coordinates (坐标): what the platform stores and how it converts them for a map service.

Everything is stored in WGS-84 (what a phone's GPS reports). China's map services draw in one of two
systems: 天地图 and the surveying bureaus in CGCS2000, which this module treats as WGS-84 (the two
datums differ by a few centimetres, far below a metre and below what a phone or a tap on a map
resolves); the commercial services (高德, 腾讯) in GCJ-02, a published obfuscation of WGS-84 that
shifts a point by up to some 700 m. `wgs84_to_gcj02` is that formula; `gcj02_to_wgs84` inverts it
by fixed-point iteration (no closed form exists), to well under a centimetre.

A configured tile service in GCJ-02 (settings MAP_TILE_CRS) gets the map's points and boundaries
converted on the server before they are sent, and a tap on such a map converted back before it is
stored: this module is the one implementation, so the client has no copy to disagree with it."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from app.errors import Invalid

# China's bounding box (the mainland, Hainan and the South China Sea islands), in WGS-84 degrees
CHINA_LAT = (Decimal("3.8"), Decimal("53.6"))
CHINA_LNG = (Decimal("73.4"), Decimal("135.1"))
NOT_IN_CHINA = "位置不在中国境内，请在地图上重新点选"

_A = 6378245.0  # Krasovsky 1940's semi-major axis, as the GCJ-02 formula uses it
_EE = 0.00669342162296594323  # its first eccentricity squared


def in_china(lat: Decimal | float, lng: Decimal | float) -> bool:
    return CHINA_LAT[0] <= Decimal(str(lat)) <= CHINA_LAT[1] and CHINA_LNG[0] <= Decimal(str(lng)) <= CHINA_LNG[1]


def check_in_china(lat: Decimal, lng: Decimal) -> None:
    """Refuse a position outside China's bounding box (the error beside the latitude, the first field)."""
    if not in_china(lat, lng):
        raise Invalid({"latitude": NOT_IN_CHINA}, NOT_IN_CHINA)


def _shift_lat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _shift_lng(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """A WGS-84 point as GCJ-02 (latitude, longitude); a point outside China is not shifted."""
    if not in_china(lat, lng):
        return lat, lng
    d_lat = _shift_lat(lng - 105.0, lat - 35.0)
    d_lng = _shift_lng(lng - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + d_lat, lng + d_lng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """The WGS-84 point whose GCJ-02 is (lat, lng): the shift is smooth and small, so subtracting the
    shift found at the current guess converges in a few steps (to 1e-9 degrees, under a millimetre)."""
    if not in_china(lat, lng):
        return lat, lng
    w_lat, w_lng = lat, lng
    for _ in range(30):
        g_lat, g_lng = wgs84_to_gcj02(w_lat, w_lng)
        d_lat, d_lng = g_lat - lat, g_lng - lng
        w_lat, w_lng = w_lat - d_lat, w_lng - d_lng
        if abs(d_lat) < 1e-9 and abs(d_lng) < 1e-9:
            break
    return w_lat, w_lng


def to_display(lat: float, lng: float, crs: str) -> tuple[float, float]:
    """A stored point in the coordinates of the map it is drawn on (`crs`: wgs84 or gcj02)."""
    return wgs84_to_gcj02(lat, lng) if crs == "gcj02" else (lat, lng)


def from_display(lat: float, lng: float, crs: str) -> tuple[float, float]:
    """A point tapped on a map in `crs`, as WGS-84 to store."""
    return gcj02_to_wgs84(lat, lng) if crs == "gcj02" else (lat, lng)


def geometry_to_display(geometry: dict[str, Any], crs: str) -> dict[str, Any]:
    """A GeoJSON Polygon or MultiPolygon (lng, lat order) converted for a map in `crs`."""
    if crs != "gcj02":
        return geometry

    def ring(points: list[list[float]]) -> list[list[float]]:
        out = []
        for p in points:
            lat, lng = wgs84_to_gcj02(p[1], p[0])
            out.append([round(lng, 7), round(lat, 7)])
        return out

    coords = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r) for r in coords]}
    return {"type": "MultiPolygon", "coordinates": [[ring(r) for r in poly] for poly in coords]}


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance of two (lat, lng) points in metres (haversine)."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))
