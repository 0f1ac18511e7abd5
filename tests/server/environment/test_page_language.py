"""The environment page's charts follow the language switch: Chinese by default, English by the switch."""

from __future__ import annotations

from datetime import timedelta

from tests.sessions import log_in


def test_the_chart_titles_are_chinese_by_default(site, client, clock):
    site.co2_series(client, clock.now() - timedelta(minutes=10), 10, 700.0)
    log_in(client, "director")
    html = client.get("/centres/alpha/environment").get_data(as_text=True)
    assert ("二氧化碳 24小时" in html, "二氧化碳 7天" in html, "CO2, 24 h" in html) == (True, True, False)


def test_the_chart_titles_are_english_under_the_switch(site, client, clock):
    site.co2_series(client, clock.now() - timedelta(minutes=10), 10, 700.0)
    log_in(client, "director")
    client.get("/lang/en")
    html = client.get("/centres/alpha/environment").get_data(as_text=True)
    assert ("CO2, 24 h" in html, "CO2, 7 days" in html, "二氧化碳" in html) == (True, True, False)


def test_an_empty_chart_says_no_data_in_the_pages_language(site, client, clock):
    site.co2_series(client, clock.now() - timedelta(days=3), 1, 700.0)  # a value, but none in the last 24 h
    log_in(client, "director")
    chinese = client.get("/centres/alpha/environment").get_data(as_text=True)
    client.get("/lang/en")
    english = client.get("/centres/alpha/environment").get_data(as_text=True)
    assert ("无数据" in chinese, "No data" in english, "无数据" in english) == (True, True, False)
