"""The key figures (kit/chiffres.yml) as bar charts in HTML and CSS, drawn at build time.

Figures sharing a ``groupe`` are drawn on one chart, in the file's order; a figure
without a group gets a chart of its own. Percentages are drawn on a 0-100 scale (the
bar shows the share); other units on a scale from 0 to the chart's largest value, and
a single non-percentage figure is shown as a number, since a lone bar would compare it
with nothing. Each chart is a <figure> holding a list: every value and label is HTML
text (readable at a phone's width, issue 16), each bar a text-free SVG; the caption names
the sources. Colours come from CSS classes, with 3:1 against their background in the
light and the dark palette (theme/assets/css/kit-reperes.css).
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from builder.models import KeyFigure


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


def bars(chart: Chart, chart_id: str) -> Markup:
    """A bar chart in HTML: one list item per figure, its value and label as text (so they
    reflow, keep the reader's font size on a phone and survive WCAG text spacing), then its
    bar, a small text-free SVG stretched to the item's width (``rect`` width: the value on a
    0-100 scale, 100 being 100 % for shares or the chart's largest value otherwise)."""
    maximum = 100.0 if chart.percent else max(f.valeur for f in chart.figures) or 1.0
    rows = []
    for figure in chart.figures:
        length = max(100 * min(figure.valeur, maximum) / maximum, 0.5)
        rows.append(
            f'<li class="kit-barres__ligne"><span class="kit-barres__texte"><strong class="kit-barres__valeur">'
            f'{escape(value_text(figure))}</strong> <span class="kit-barres__libelle">{escape(figure.libelle)}</span></span>'
            f'<svg class="kit-barres__piste" viewBox="0 0 100 1" width="100" height="1" preserveAspectRatio="none" '
            f'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">'
            f'<rect class="kit-barres__fond" width="100" height="1"/>'
            f'<rect class="kit-barres__barre" width="{length:.1f}" height="1"/></svg></li>'
        )
    scale = "" if chart.percent else (
        f'<p class="kit-barres__echelle">Barres à l\'échelle de la plus grande valeur ({escape(value_text(max(chart.figures, key=lambda f: f.valeur)))}).</p>')
    return Markup(f'<ul class="kit-barres" id="{escape(chart_id)}">{"".join(rows)}</ul>{scale}')
