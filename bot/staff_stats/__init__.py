"""Aggregate statistics for staff: one server's figures, never one student's.

The API for the /staff cog::

    stats = await compute_stats(db, guild_id, since, now, checklists=None)
    embed = stats_embed(stats)                      # image: attachment://funnel.png
    png = await chart_png(stats)                    # in a worker thread
    file = discord.File(io.BytesIO(png), filename=CHART_FILENAME)
    files = stats_csv_files(stats)                  # [(name, utf-8 bytes), ...]

Every figure carries the number of distinct students behind it; anything drawn from fewer than
``MIN_GROUP`` students shows as "fewer than 5" (see :mod:`bot.staff_stats.figures` for the rules).
"""

from bot.staff_stats.chart import chart_png, funnel_chart_png
from bot.staff_stats.compute import compute_stats, default_checklists
from bot.staff_stats.csv_export import CSV_COLUMNS, stats_csv_files
from bot.staff_stats.figures import FEWER_THAN, MIN_GROUP, Figure, ServerStats, display, shown
from bot.staff_stats.render import CHART_FILENAME, stats_embed

__all__ = [
    "CHART_FILENAME",
    "CSV_COLUMNS",
    "FEWER_THAN",
    "MIN_GROUP",
    "Figure",
    "ServerStats",
    "chart_png",
    "compute_stats",
    "default_checklists",
    "display",
    "funnel_chart_png",
    "shown",
    "stats_csv_files",
    "stats_embed",
]
