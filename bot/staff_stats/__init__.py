"""Aggregate statistics for staff: one server's figures, never one student's.

The API for the /staff cog::

    figures = await compute_stats(db, guild_id, since, now, zone=..., checklists=...)
    embed = stats_embed(figures)                    # image: attachment://funnel.png
    png = await chart_png(figures)                  # in a worker thread
    file = discord.File(io.BytesIO(png), filename=CHART_FILENAME)
    files = stats_csv_files(figures)                # [(name, utf-8 bytes), ...]

The figures are cells (:mod:`bot.staff_stats.figures`) that go through the disclosure rule
(:mod:`bot.domain.disclosure`, applied by :func:`bot.staff_stats.shown.disclose`) before any
output sees them.
"""

from bot.staff_stats.chart import chart_png, funnel_chart_png
from bot.staff_stats.compute import compute_cells, compute_stats, default_checklists
from bot.staff_stats.csv_export import CSV_COLUMNS, stats_csv_files
from bot.staff_stats.render import CHART_FILENAME, stats_embed
from bot.staff_stats.shown import StaffFigures, disclose

__all__ = [
    "CHART_FILENAME",
    "CSV_COLUMNS",
    "StaffFigures",
    "chart_png",
    "compute_cells",
    "compute_stats",
    "default_checklists",
    "disclose",
    "funnel_chart_png",
    "stats_csv_files",
    "stats_embed",
]
