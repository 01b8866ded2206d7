"""Rule families: how a program's rule settings are edited and compiled.

The engine never imports the domains (layers point down). A domain app registers each family it
builds from its ``AppConfig.ready()``: the options an administrator sets (each with a key, a label
and a default) and a function compiling chosen options into the engine's rule list
(``canlian.programs.rules.engine``). A program names its family in ``Program.family``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.utils.translation import gettext as _

from canlian.platform.errors import ValidationFailed


class OptionLike(Protocol):
    key: str
    label: Any
    default: bool


@dataclass(frozen=True)
class Family:
    code: str
    options: tuple[OptionLike, ...]
    compile: Callable[[dict[str, Any]], list[dict[str, Any]]]

    def defaults(self) -> dict[str, bool]:
        return {o.key: bool(o.default) for o in self.options}

    def clean_options(self, options: dict[str, Any]) -> dict[str, bool]:
        """Every option of the family, as booleans (missing ones take their defaults); unknown keys
        are refused."""
        if not isinstance(options, dict):
            raise ValidationFailed(_("Options must be an object of switches."), field="options")
        known = {o.key for o in self.options}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ValidationFailed(
                _("Unknown options: %(keys)s.") % {"keys": ", ".join(unknown)}, field="options"
            )
        return {**self.defaults(), **{k: bool(v) for k, v in options.items()}}

    def label_of(self, key: str) -> str:
        return next((str(o.label) for o in self.options if o.key == key), key)


_FAMILIES: dict[str, Family] = {}


def register_family(
    code: str,
    *,
    options: Sequence[OptionLike],
    compile: Callable[[dict[str, Any]], list[dict[str, Any]]],
) -> Family:
    """Register (or re-register, e.g. on a second ``ready()``) a rule family."""
    family = Family(code=code, options=tuple(options), compile=compile)
    _FAMILIES[code] = family
    return family


def family_for(code: str) -> Family:
    try:
        return _FAMILIES[code]
    except KeyError as exc:
        raise ValidationFailed(
            _("No rule family %(code)s is installed.") % {"code": code}, code="unknown_family"
        ) from exc


def registered_families() -> dict[str, Family]:
    return dict(_FAMILIES)
