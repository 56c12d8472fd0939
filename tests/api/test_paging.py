"""Paging parameters: plain ASCII whole numbers in range; anything else is a 400, never a 500."""

from __future__ import annotations

import pytest

from api.paging import MAX_LIMIT, PAGING_QUERY, parse_int
from dao.errors import InvalidInput


@pytest.mark.parametrize(
    "value", ["²", "١٢", "\U0001d7d3", "1e3", "-1", "0x10", " 5", "5 ", "9" * 10]
)
def test_parse_int_refuses_what_is_not_a_plain_whole_number(value):
    with pytest.raises(InvalidInput):
        parse_int(value, "limit", default=50, minimum=0, maximum=10**9)


@pytest.mark.parametrize(("value", "expected"), [(None, 50), ("", 50), ("7", 7), ("007", 7)])
def test_parse_int_reads_whole_numbers_and_defaults(value, expected):
    assert parse_int(value, "limit", default=50, minimum=1, maximum=MAX_LIMIT) == expected


def test_unicode_digits_in_a_page_size_are_a_400(client, runners):
    result = client.simulate_get("/v2/users", params={"limit": "²"}, headers=runners["alice"])
    assert result.status_code == 400
    assert result.json["errors"] == [{"path": "limit", "message": "not a number"}]


def test_the_documented_paging_parameters_match_the_parser():
    assert PAGING_QUERY["limit"]["minimum"] == 1
    assert PAGING_QUERY["limit"]["maximum"] == MAX_LIMIT
