"""Template filters of the steering cards: ``{% with v=figure|present %}`` gives the strings a card
shows (value by unit, target, progress bar and 序时进度 mark, change, status, "as of")."""

from __future__ import annotations

from django import template

from canlian.reporting.steering import formatting
from canlian.reporting.steering.selectors import Figure

register = template.Library()


@register.filter
def present(figure: Figure) -> formatting.FigureView:
    return formatting.present(figure)
