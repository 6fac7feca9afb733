"""The dashboard: headline figures and reports over time by level, counted in the store's SQL
(:meth:`lurewatch.store.Store.office_figures`), charted as SVG with a table of the same numbers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from lurewatch.charts import LEVEL_FILL, Bar, Layer, day_label, stacked_bars
from lurewatch.web.pages.common import PageAnalyst, context_of, render

router = APIRouter(include_in_schema=False)

LAYERS = tuple(Layer(level, LEVEL_FILL[level]) for level in ("high", "medium", "low"))


@router.get("/dashboard")
def dashboard_page(
    request: Request, user: PageAnalyst, weeks: Annotated[int, Query(ge=4, le=52)] = 12
) -> Response:
    """Reports in the last 7 and 30 days, high-rated, open cases, reports awaiting a verdict,
    and reports per week and per team (security exercises never counted). The page links
    the last 12 and 26 weeks; ``weeks`` takes 4 to 52."""
    figures = context_of(request).store.office_figures(weeks=weeks)
    chart = stacked_bars(
        chart_id="weekly",
        title=f"Reports per week by rating, last {weeks} weeks",
        layers=LAYERS,
        bars=[
            Bar(
                label=day_label(w.week),
                counts=(w.high, w.medium, w.low),
                long_label=f"Week of {day_label(w.week, year=True)}",
            )
            for w in figures.weeks
        ],
        empty=f"No reports yet in the last {weeks} weeks.",
    )
    return render(
        request,
        "dashboard.html",
        {
            "figures": figures,
            "weeks": weeks,
            "chart": chart,
            "total": sum(w.total for w in figures.weeks),
            "week_rows": [(day_label(w.week, year=True), w) for w in figures.weeks],
        },
    )
