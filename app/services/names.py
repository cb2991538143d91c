"""Normalising investor names and phone numbers, so the same investor is found however it is typed."""

from __future__ import annotations

import re
import unicodedata

# legal forms, longest first so "股份有限公司" is removed before "有限公司"
LEGAL_FORMS = (
    "集团股份有限公司",
    "集团有限责任公司",
    "集团有限公司",
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "股份公司",
    "集团公司",
    "总公司",
    "分公司",
    "合伙企业",
    "有限合伙",
    "普通合伙",
    "个人独资企业",
    "co.,ltd",
    "co.ltd",
    "co,ltd",
    "coltd",
    "company limited",
    "limited",
    "ltd",
    "inc",
    "corp",
    "corporation",
    "llc",
    "gmbh",
    "plc",
    "公司",
    "集团",
    "厂",
)

PROVINCES = (
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
)
CITIES = (
    "深圳",
    "广州",
    "东莞",
    "佛山",
    "珠海",
    "中山",
    "惠州",
    "汕头",
    "苏州",
    "无锡",
    "常州",
    "南京",
    "南通",
    "扬州",
    "徐州",
    "杭州",
    "宁波",
    "温州",
    "绍兴",
    "嘉兴",
    "金华",
    "台州",
    "义乌",
    "合肥",
    "芜湖",
    "福州",
    "厦门",
    "泉州",
    "南昌",
    "赣州",
    "济南",
    "青岛",
    "烟台",
    "潍坊",
    "郑州",
    "洛阳",
    "武汉",
    "宜昌",
    "襄阳",
    "长沙",
    "株洲",
    "湘潭",
    "衡阳",
    "岳阳",
    "常德",
    "成都",
    "绵阳",
    "贵阳",
    "遵义",
    "昆明",
    "西安",
    "兰州",
    "西宁",
    "银川",
    "乌鲁木齐",
    "拉萨",
    "南宁",
    "柳州",
    "桂林",
    "海口",
    "三亚",
    "石家庄",
    "唐山",
    "保定",
    "太原",
    "大同",
    "沈阳",
    "大连",
    "长春",
    "哈尔滨",
    "呼和浩特",
    "包头",
    "青山",
)
_SUFFIX = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市", "县", "区")
_PLACE = sorted({p + s for p in PROVINCES + CITIES for s in ("", *_SUFFIX)} - {""}, key=len, reverse=True)
_PLACE_RE = re.compile("^(?:" + "|".join(map(re.escape, _PLACE)) + ")+")
_BRACKETED = re.compile(r"[(\[{（【「『〔]([^)\]}）】」』〕]*)[)\]}）】」』〕]")
_NOISE = re.compile(r"[\s\-_·•.,，。、'\"“”‘’/\\&＆()\[\]{}（）【】「」『』〔〕]+")


def name_key(name: str) -> str:
    """A key under which variants of one investor's name fall together.

    NFKC turns full-width forms into half-width ones; case, spaces, brackets and punctuation
    are dropped; a place name in brackets (比亚迪（深圳）) or in front (深圳市腾讯…) is removed;
    legal-form endings (有限公司, 有限责任公司, 股份有限公司, Co., Ltd. …) are removed.
    """
    text = unicodedata.normalize("NFKC", name or "").lower().strip()

    def drop_place(match: re.Match[str]) -> str:
        inner = _NOISE.sub("", match.group(1))
        return "" if not inner or _PLACE_RE.fullmatch(inner) else inner

    text = _BRACKETED.sub(drop_place, text)
    text = _NOISE.sub("", text)
    changed = True
    while changed and text:
        changed = False
        for form in LEGAL_FORMS:
            key = _NOISE.sub("", form)
            if text.endswith(key) and len(text) > len(key):
                text = text[: -len(key)]
                changed = True
                break
    stripped = _PLACE_RE.sub("", text)
    return stripped if len(stripped) >= 3 else text  # "长沙银行" keeps its place: "银行" alone says nothing


def phone_key(phone: str) -> str:
    """Digits only, without the +86 country code: '+86 139-0731-0000' → '13907310000'.

    A landline written the international way drops the trunk 0 ('+86 731 8456 7890'); it is put
    back so that it matches '0731-84567890' (Beijing's '+86 10 …' too: a mobile has 11 digits). No
    domestic number of 11 or more digits starts with 86 (mobiles start with 1, area codes with 0),
    so a leading 86 there is the country code.
    """
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone or ""))
    international = False
    if digits.startswith("0086"):
        digits, international = digits[4:], True
    elif digits.startswith("86") and len(digits) >= 11:
        digits, international = digits[2:], True
    is_mobile = len(digits) == 11 and digits.startswith("1")
    if international and digits and not digits.startswith("0") and not is_mobile:
        digits = "0" + digits
    return digits[-20:]
