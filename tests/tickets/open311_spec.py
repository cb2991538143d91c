"""The Open311 GeoReport v2 spec's own examples (http://wiki.open311.org/GeoReport_v2 and its Service
Discovery page), for comparing our answers with them element by element and field by field.

The XML examples are the spec's text (two long texts wrapped). Its JSON examples are not JSON as
printed (`"service_code":001` has a leading zero), so the codes and ids are written here as the
strings the XML carries; the spec calls its JSON "a programmatic mapping of the XML" (the Spark
convention), where every value is text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

SERVICES_XML = """<?xml version="1.0" encoding="utf-8"?>
<services>
    <service>
        <service_code>001</service_code>
        <service_name>Cans left out 24x7</service_name>
        <description>Garbage or recycling cans that have been left out for more than 24 hours after collection.
            Violators will be cited.</description>
        <metadata>true</metadata>
        <type>realtime</type>
        <keywords>lorem, ipsum, dolor</keywords>
        <group>sanitation</group>
    </service>
</services>"""

SERVICES_JSON: list[dict[str, Any]] = [
    {
        "service_code": "001",
        "service_name": "Cans left out 24x7",
        "description": "Garbage or recycling cans that have been left out for more than 24 hours after collection.",
        "metadata": True,
        "type": "realtime",
        "keywords": "lorem, ipsum, dolor",
        "group": "sanitation",
    }
]

DEFINITION_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_definition>
    <service_code>DMV66</service_code>
    <attributes>
        <attribute>
            <variable>true</variable>
            <code>WHISHETN</code>
            <datatype>singlevaluelist</datatype>
            <required>true</required>
            <datatype_description></datatype_description>
            <order>1</order>
            <description>What is the ticket/tag/DL number?</description>
            <values>
                <value>
                    <key>123</key>
                    <name>Ford</name>
                </value>
                <value>
                    <key>124</key>
                    <name>Chrysler</name>
                </value>
            </values>
        </attribute>
    </attributes>
</service_definition>"""

DEFINITION_JSON: dict[str, Any] = {
    "service_code": "DMV66",
    "attributes": [
        {
            "variable": True,
            "code": "WHISHETN",
            "datatype": "singlevaluelist",
            "required": True,
            "datatype_description": None,
            "order": 1,
            "description": "What is the ticket/tag/DL number?",
            "values": [{"key": "123", "name": "Ford"}, {"key": "124", "name": "Chrysler"}],
        }
    ],
}

# the spec's example POST, as sent (Content-Type: application/x-www-form-urlencoded; charset=utf-8)
POST_BODY = (
    "api_key=xyz&jurisdiction_id=city.gov&service_code=001&lat=37.76524078&long=-122.4212043"
    "&address_string=1234+5th+street&email=smit333%40sfgov.edu&device_id=tt222111&account_id=123456"
    "&first_name=john&last_name=smith&phone=111111111&description=A+large+sinkhole+is+destroying+the+street"
    "&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg"
    "&attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001"
)

CREATED_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_requests>
    <request>
        <service_request_id>293944</service_request_id>
        <service_notice>
            The City will inspect and require the responsible party to correct within 24 hours and/or issue
            a Correction Notice or Notice of Violation of the Public Works Code
        </service_notice>
        <account_id/>
    </request>
</service_requests>"""

CREATED_JSON: list[dict[str, Any]] = [
    {
        "service_request_id": "293944",
        "service_notice": "The City will inspect and require the responsible party to correct within 24 hours",
        "account_id": None,
    }
]

TOKEN_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_requests>
    <request>
        <service_request_id>638344</service_request_id>
        <token>12345</token>
    </request>
</service_requests>"""

REQUESTS_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_requests>
    <request>
        <service_request_id>638344</service_request_id>
        <status>closed</status>
        <status_notes>Duplicate request.</status_notes>
        <service_name>Sidewalk and Curb Issues</service_name>
        <service_code>006</service_code>
        <description></description>
        <agency_responsible></agency_responsible>
        <service_notice></service_notice>
        <requested_datetime>2010-04-14T06:37:38-08:00</requested_datetime>
        <updated_datetime>2010-04-14T06:37:38-08:00</updated_datetime>
        <expected_datetime>2010-04-15T06:37:38-08:00</expected_datetime>
        <address>8TH AVE and JUDAH ST</address>
        <address_id>545483</address_id>
        <zipcode>94122</zipcode>
        <lat>37.762221815</lat>
        <long>-122.4651145</long>
        <media_url>http://city.gov.s3.amazonaws.com/requests/media/638344.jpg </media_url>
    </request>
</service_requests>"""

REQUESTS_JSON: list[dict[str, Any]] = [
    {
        "service_request_id": "638344",
        "status": "closed",
        "status_notes": "Duplicate request.",
        "service_name": "Sidewalk and Curb Issues",
        "service_code": "006",
        "description": None,
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": "2010-04-14T06:37:38-08:00",
        "updated_datetime": "2010-04-14T06:37:38-08:00",
        "expected_datetime": "2010-04-15T06:37:38-08:00",
        "address": "8TH AVE and JUDAH ST",
        "address_id": "545483",
        "zipcode": "94122",
        "lat": 37.762221815,
        "long": -122.4651145,
        "media_url": "http://city.gov.s3.amazonaws.com/requests/media/638344.jpg",
    }
]

ERRORS_XML = """<?xml version="1.0" encoding="utf-8"?>
<errors>
    <error>
        <code>403</code>
        <description>Invalid api_key received -- can't proceed with create_request.</description>
    </error>
</errors>"""

ERRORS_JSON: list[dict[str, Any]] = [
    {"code": 403, "description": "Invalid api_key received -- can't proceed with create_request."}
]

DISCOVERY_XML = """<?xml version="1.0" encoding="UTF-8"?>
<discovery>
    <changeset>2011-02-03 14:18</changeset>
    <contact>You can email or call for assistance api@mycity.org +1 (555) 555-5555</contact>
    <key_service>You can request a key here: http://api.mycity.gov/api_key/request</key_service>
    <endpoints>
        <endpoint>
            <specification>http://wiki.open311.org/GeoReport_v2</specification>
            <url>http://open311.mycity.gov/test/v2</url>
            <changeset>2010-10-02 09:01</changeset>
            <type>test</type>
            <formats>
                <format>text/xml</format>
                <format>application/json</format>
            </formats>
        </endpoint>
    </endpoints>
</discovery>"""

DISCOVERY_JSON: dict[str, Any] = {
    "changeset": "2011-02-03 14:18",
    "contact": "You can email or call for assistance api@mycity.org +1 (555) 555-5555",
    "key_service": "You can request a key here: http://api.mycity.gov/api_key/request",
    "endpoints": [
        {
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": "http://open311.mycity.gov/test/v2",
            "changeset": "2010-10-02 09:01",
            "type": "test",
            "formats": ["text/xml", "application/json"],
        }
    ],
}

W3C_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
"""The spec's date/time: ISO 8601 as the W3C note has it, the time zone required."""


def outline(element: ET.Element) -> tuple[str, tuple[Any, ...]]:
    """An element's name and its children's outlines, in order; a run of items of one name (a list's
    elements) collapsed to the first, so that an answer with three services compares with an example of one."""
    children: list[Any] = []
    previous = None
    for child in element:
        if child.tag != previous:
            children.append(outline(child))
        previous = child.tag
    return element.tag, tuple(children)


def kind(value: Any) -> str:
    """What a JSON value is, as the Spark convention maps XML text: text (or nothing), number, boolean, list, object."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None or isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "list"
    return "object"


def same_fields(ours: dict[str, Any], spec: dict[str, Any], where: str = "") -> list[str]:
    """Differences between an object of ours and the spec's: the same keys in the same order, each value
    of the same kind (a null of either side stands for absent text or number), objects and lists compared
    inside."""
    problems = []
    if list(ours) != list(spec):
        problems.append(f"{where}: keys {list(ours)} != spec {list(spec)}")
    for key, expected in spec.items():
        if key not in ours:
            continue
        value = ours[key]
        if value is None or expected is None:
            continue
        if kind(value) != kind(expected):
            problems.append(f"{where}.{key}: {kind(value)} {value!r} where the spec has {kind(expected)}")
        elif isinstance(expected, dict):
            problems += same_fields(value, expected, f"{where}.{key}")
        elif isinstance(expected, list) and expected and value and isinstance(expected[0], dict):
            problems += same_fields(value[0], expected[0], f"{where}.{key}[0]")
    return problems
