from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """Framework pieces shared by every app. Holds no tables."""

    name = "canlian.platform"
    label = "platform"
