"""Every route declares who may use it; an undeclared route fails this test."""

from __future__ import annotations

from flask import Flask


def test_every_route_declares_an_access_rule(app: Flask) -> None:
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.endswith("static"):
            continue  # stylesheets and images
        view = app.view_functions[rule.endpoint]
        if not getattr(view, "access_rule", None):
            undeclared.append(f"{rule.rule} -> {rule.endpoint}")
    assert undeclared == []


def test_rules_are_what_the_product_promises(app: Flask) -> None:
    rules = {
        rule.endpoint: getattr(app.view_functions[rule.endpoint], "access_rule", None)
        for rule in app.url_map.iter_rules()
    }
    assert rules["carbon.healthz"] == "public"
    assert rules["carbon.home"] == "roles:employee"
    assert rules["carbon.admin_overview"] == "roles:hr,sustainability,admin"
