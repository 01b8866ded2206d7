from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data: a realistic city (东营市) with its townships, villages and accounts."""

    name = "canlian.demo"
    label = "demo"
