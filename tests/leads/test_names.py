"""The same investor is found however a clerk types its name or phone number."""

from __future__ import annotations

import pytest

from app.services.names import name_key, phone_key


@pytest.mark.parametrize(
    "variants",
    [
        # place name in front, place name in brackets, another legal form
        ("深圳市腾讯计算机系统有限公司", "腾讯计算机系统（深圳）有限公司", "腾讯计算机系统股份有限公司"),
        # full-width letters, spaces, 有限责任公司 vs 有限公司
        ("ＡＢＣ 新材料 有限责任公司", "abc新材料有限公司", "ABC新材料（湖南）有限公司"),
        # English names: case, punctuation and the Co., Ltd. ending
        ("Huawei Technologies Co., Ltd.", "HUAWEI TECHNOLOGIES CO.,LTD", "huawei technologies company limited"),
        # half-width brackets and province + city prefix
        ("华润雪花啤酒(湖南)有限公司", "华润雪花啤酒（湖南）有限公司", "湖南省长沙市华润雪花啤酒有限公司"),
        # 集团 in brackets is part of the name's ending, not a place
        ("深圳华芯微电子（集团）有限公司", "华芯微电子集团有限公司", "深圳市华芯微电子有限公司"),
    ],
)
def test_variants_of_one_name_fall_together(variants):
    keys = {name_key(v) for v in variants}
    assert len(keys) == 1, dict(zip(variants, map(name_key, variants), strict=True))
    assert next(iter(keys))  # never reduced to nothing


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("长沙银行", "湖南银行"),  # a bank named after its place keeps the place
        ("长沙银行股份有限公司", "湖南银行股份有限公司"),
        ("比亚迪股份有限公司", "比亚迪汽车工业有限公司"),  # a subsidiary is another investor
        ("腾讯计算机系统有限公司", "腾讯科技（深圳）有限公司"),
        ("浙江绿源食品集团有限公司", "浙江绿源电器有限公司"),
    ],
)
def test_different_investors_stay_apart(a, b):
    assert name_key(a) != name_key(b)


def test_a_place_named_bank_still_matches_its_own_variants():
    assert name_key("长沙银行") == name_key("长沙银行股份有限公司") == name_key(" 长沙银行 股份有限公司 ")


def test_a_person_is_matched_by_the_name_as_written():
    assert name_key("刘德厚") == name_key(" 刘 德厚 ") == "刘德厚"
    assert name_key("刘德厚") != name_key("刘德")


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("13907310000", "13907310000"),
        ("139-0731-0000", "13907310000"),
        ("139 0731 0000", "13907310000"),
        ("+86 139 0731 0000", "13907310000"),
        ("0086-13907310000", "13907310000"),
        ("8613907310000", "13907310000"),
        ("１３９０７３１００００", "13907310000"),  # typed with a full-width input method
        ("0731-84567890", "073184567890"),
        ("(0731) 8456 7890", "073184567890"),
        ("+86 731 8456 7890", "073184567890"),  # international form drops the trunk 0
        ("+86 (0)731 8456 7890", "073184567890"),
        ("+86 10 1234 5678", "01012345678"),  # Beijing: area code 10 is not a mobile
        ("010-12345678", "01012345678"),
        ("", ""),
    ],
)
def test_phone_key_ignores_how_the_number_was_written(typed, key):
    assert phone_key(typed) == key


def test_different_numbers_keep_different_keys():
    assert phone_key("13907310000") != phone_key("13907310001")
    assert phone_key("0731-84567890") != phone_key("0730-84567890")
