"""WGS-84 <-> GCJ-02 (app.services.geo) against published reference pairs, the inverse's round trip, and
the bounding box of China. Pure functions: no database."""

from __future__ import annotations

import pytest

from app.services import geo

# WGS-84 (lat, lng) -> GCJ-02 (lat, lng), as published by other implementations of the same formula:
# wandergis/coordtransform's README and test (Beijing, Tiananmen), hutool's CoordinateUtilTest (the same
# pair), geoToolbox's test (40°N 116°E)
FORWARD = [
    ((39.915, 116.404), (39.91640428150164, 116.41024449916938), 1e-9),
    ((40.0, 116.0), (40.001213650174, 116.006141221789), 1e-6),
]
# GCJ-02 -> WGS-84: coordtransform's (its one-step approximation: within 1e-4 degrees of the exact inverse)
# and gcoord's (an exact inverse: to 5 decimals)
BACKWARD = [
    ((39.915, 116.404), (39.91359571849836, 116.39775550083061), 1e-4),
    ((45.0, 123.0), (44.99804071, 122.99395597), 1e-5),
]


@pytest.mark.parametrize(("wgs", "gcj", "tolerance"), FORWARD)
def test_wgs84_to_gcj02_matches_the_published_pairs(wgs, gcj, tolerance):
    lat, lng = geo.wgs84_to_gcj02(*wgs)
    assert abs(lat - gcj[0]) < tolerance and abs(lng - gcj[1]) < tolerance


@pytest.mark.parametrize(("gcj", "wgs", "tolerance"), BACKWARD)
def test_gcj02_to_wgs84_matches_the_published_pairs(gcj, wgs, tolerance):
    lat, lng = geo.gcj02_to_wgs84(*gcj)
    assert abs(lat - wgs[0]) < tolerance and abs(lng - wgs[1]) < tolerance


@pytest.mark.parametrize(
    "point",
    [
        (31.2304, 121.4737),
        (39.9042, 116.4074),
        (27.86, 112.74),
        (22.5431, 114.0579),
        (43.8256, 87.6168),
        (18.25, 109.5),
    ],
)
def test_the_round_trip_returns_within_a_centimetre_and_the_shift_is_hundreds_of_metres(point):
    shifted = geo.wgs84_to_gcj02(*point)
    assert 50 < geo.metres_between(point, shifted) < 1000  # the offset a GCJ-02 map would show uncorrected
    back = geo.gcj02_to_wgs84(*shifted)
    assert geo.metres_between(point, back) < 0.01  # well under the 1 m asked for


def test_points_outside_china_are_neither_shifted_nor_accepted():
    assert geo.wgs84_to_gcj02(48.8566, 2.3522) == (48.8566, 2.3522)  # Paris
    assert geo.gcj02_to_wgs84(35.6762, 139.6503) == (35.6762, 139.6503)  # Tokyo
    assert geo.in_china(27.86, 112.74) and not geo.in_china(48.8566, 2.3522)
    assert not geo.in_china(112.74, 27.86)  # latitude and longitude swapped: refused, not placed in the sea


def test_a_wgs84_map_is_drawn_unchanged_and_a_gcj02_one_converted_both_ways():
    assert geo.to_display(27.86, 112.74, "wgs84") == (27.86, 112.74)
    shown = geo.to_display(27.86, 112.74, "gcj02")
    assert shown == geo.wgs84_to_gcj02(27.86, 112.74)
    assert geo.metres_between(geo.from_display(*shown, "gcj02"), (27.86, 112.74)) < 0.01
    polygon = {"type": "Polygon", "coordinates": [[[112.7, 27.8], [112.8, 27.8], [112.8, 27.9], [112.7, 27.8]]]}
    moved = geo.geometry_to_display(polygon, "gcj02")
    lat, lng = geo.wgs84_to_gcj02(27.8, 112.7)
    assert moved["coordinates"][0][0] == [round(lng, 7), round(lat, 7)]
    assert geo.geometry_to_display(polygon, "wgs84") is polygon
