"""METRIC and DATE normalisation (GUIDELINES §5; ISO 8601)."""

import pytest

from zxie.norms import NormError, parse_date, parse_metric


@pytest.mark.parametrize("surface, norm", [
    ("205个", (205, "个", "exact")),
    ("550余场次", (550, "场次", "more_than")),
    ("约8.2万元", (82000, "元", "approx")),
    ("3800余万元", (38000000, "元", "more_than")),
    ("1.3万人次", (13000, "人次", "exact")),
    ("99.3%", (99.3, "%", "exact")),
    ("近40个", (40, "个", "approx")),
    ("两次", (2, "次", "exact")),
    ("二十个", (20, "个", "exact")),
    ("数十家", (10, "家", "more_than")),
    ("不足5%", (5, "%", "less_than")),
    ("100人以上", (100, "人", "more_than")),
    ("超过300人", (300, "人", "more_than")),
    ("40多个", (40, "个", "more_than")),
    ("3 800余万元", (38000000, "元", "more_than")),  # a layout space inside the number
    ("１２个", (12, "个", "exact")),
])
def test_metric(surface, norm):
    assert parse_metric(surface) == dict(zip(("value", "unit", "qualifier"), norm))


@pytest.mark.parametrize("surface", ["第一", "万元", "205"])
def test_metric_without_number_or_unit_is_an_error(surface):
    with pytest.raises(NormError):
        parse_metric(surface)


@pytest.mark.parametrize("surface, iso", [
    ("2024年", "2024"), ("2023年度", "2023"), ("2024年8月26日", "2024-08-26"), ("8月26日", "--08-26"),
    ("2月2日上午", "--02-02"), ("今年9月份", "--09"), ("1月12日至15日", "--01-12/--01-15"),
    ("2024年1月12日至2月3日", "2024-01-12/2024-02-03"), ("2023年以来", "2023/.."), ("十四五", "2021/2025"),
    ("二〇二四年", "2024"), ("今年", None), ("上半年", None), ("今年以来", None),
])
def test_date(surface, iso):
    assert parse_date(surface) == (None if iso is None else {"iso": iso})
