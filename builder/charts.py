"""The key figures (kit/chiffres.yml) as SVG bar charts, drawn at build time.

Figures sharing a ``groupe`` are drawn on one chart, in the file's order; a figure
without a group gets a chart of its own. Percentages are drawn on a 0-100 scale (the
bar shows the share); other units on a scale from 0 to the chart's largest value, and
a single non-percentage figure is shown as a number, since a lone bar would compare it
with nothing. Each chart is a <figure>: the SVG has role="img" and an aria-label that
reads every value with its label, and the caption names the sources.
Colours come from CSS classes (light and dark themes).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from markupsafe import Markup, escape

from builder.models import KeyFigure

WIDTH = 640
LABEL_CHARS = 88  # characters per label line at the chart's font size
LINE_HEIGHT = 17
BAR_HEIGHT = 18
ROW_GAP = 16
VALUE_SPACE = 150  # room right of the bar for the value


@dataclass
class Chart:
    key: str
    title: str
    figures: list[KeyFigure]

    @property
    def percent(self) -> bool:
        return all(f.unite.strip() == "%" for f in self.figures)

    @property
    def drawn(self) -> bool:
        """A lone figure that is not a share is shown as a number, not as a bar."""
        return self.percent or len(self.figures) > 1

    def sources(self) -> list[str]:
        seen: list[str] = []
        for figure in self.figures:
            text = f"{figure.source}, {figure.annee}"
            if text not in seen:
                seen.append(text)
        return seen


def format_number(value: float) -> str:
    """French number formatting: 1 200 000, 1,2."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:,}".replace(",", "\u202f").replace(".", ",")


def value_text(figure: KeyFigure) -> str:
    unit = figure.unite.strip()
    if not unit:
        return format_number(figure.valeur)
    return f"{format_number(figure.valeur)}\u00a0{unit}" if unit != "%" else f"{format_number(figure.valeur)}\u202f%"


def group_title(key: str, titles: dict[str, str]) -> str:
    return titles.get(key) or key.replace("-", " ").capitalize()


def charts(figures: list[KeyFigure], titles: dict[str, str] | None = None) -> list[Chart]:
    titles = titles or {}
    result: list[Chart] = []
    by_group: dict[str, Chart] = {}
    for figure in figures:
        if figure.groupe:
            chart = by_group.get(figure.groupe)
            if chart is None:
                chart = by_group[figure.groupe] = Chart(figure.groupe, group_title(figure.groupe, titles), [])
                result.append(chart)
            chart.figures.append(figure)
        else:
            result.append(Chart(figure.id, f"{value_text(figure)} {figure.libelle}", [figure]))
    return result


def description(chart: Chart) -> str:
    """What the chart shows, in words: its text alternative."""
    parts = [f"{value_text(f)} {f.libelle} ({f.annee})" for f in chart.figures]
    scale = " Barres sur une échelle de 0 à 100 %." if chart.percent else ""
    return f"{chart.title}. " + " ; ".join(parts) + "." + scale


def svg(chart: Chart, chart_id: str) -> Markup:
    """A horizontal bar chart: each figure's label above its bar, its value at the bar's end."""
    maximum = 100.0 if chart.percent else max(f.valeur for f in chart.figures) or 1.0
    bar_space = WIDTH - VALUE_SPACE
    rows = []
    y = 4.0
    for figure in chart.figures:
        lines = textwrap.wrap(figure.libelle, LABEL_CHARS) or [""]
        label = "".join(
            f'<tspan x="0" dy="{0 if i == 0 else LINE_HEIGHT}">{escape(line)}</tspan>' for i, line in enumerate(lines))
        text_y = y + LINE_HEIGHT - 4
        bar_y = y + len(lines) * LINE_HEIGHT + 2
        length = max(bar_space * min(figure.valeur, maximum) / maximum, 1.5)
        rows.append(
            f'<text class="kit-graphique__libelle" x="0" y="{text_y:.0f}">{label}</text>'
            f'<rect class="kit-graphique__piste" x="0" y="{bar_y:.0f}" width="{bar_space}" height="{BAR_HEIGHT}" rx="2"/>'
            f'<rect class="kit-graphique__barre" x="0" y="{bar_y:.0f}" width="{length:.1f}" height="{BAR_HEIGHT}" rx="2"/>'
            f'<text class="kit-graphique__valeur" x="{length + 8:.1f}" y="{bar_y + BAR_HEIGHT - 4:.0f}">'
            f'{escape(value_text(figure))}</text>'
        )
        y = bar_y + BAR_HEIGHT + ROW_GAP
    height = int(y)
    return Markup(
        f'<svg class="kit-graphique__svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-label="{escape(description(chart))}" id="{escape(chart_id)}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg>'
    )
