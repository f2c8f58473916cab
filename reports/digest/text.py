"""The digests as Telegram HTML blocks: self-contained sections in reading order, never split here.

A block is a paragraph or section that closes every tag it opens, and so does each of its lines;
blocks are meant to be shown one blank line apart. Packing blocks into messages (Telegram's length
limit, cutting a block too long for one message at its line breaks) is the Telegram I/O layer's job.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

from flows.i18n import Catalog
from reports.digest.admin import AdminArea, AdminFigures
from reports.digest.figures import AgencyFigures, AreaFigures
from reports.digest.format import (
    Html,
    Texts,
    format_change,
    format_day,
    format_index,
    format_points,
    format_share,
)

BLOCK_SEPARATOR = "\n\n"
"""What stands between two blocks shown in the same message."""


def digest_blocks(figures: AgencyFigures, catalog: Catalog, language: str, agency_name: str, *,
                  timezone: str = "Asia/Makassar") -> list[str]:
    """The agency digest's blocks: title and week, need, indicators, one per area (the city first),
    the sensitive-indicator note, the attachments; dates shown in ``timezone``."""
    return list(_digest_blocks(figures, Texts(catalog, language), agency_name, ZoneInfo(timezone)))


def admin_blocks(figures: AdminFigures, catalog: Catalog, language: str) -> list[str]:
    """The admin digest's index section as blocks: one, the title then a line per area (the city
    first); a packer may cut it at any line break."""
    t = Texts(catalog, language)
    return ["\n".join([t("admin_digest_title", round=figures.survey_round),
                       *(_admin_line(figures, area, t) for area in (figures.city, *figures.areas))])]


def _digest_blocks(figures: AgencyFigures, t: Texts, agency_name: str, zone: ZoneInfo) -> Iterator[str]:
    """The paragraphs of the digest, in order."""
    first_day = figures.week_start.astimezone(zone)
    last_day = figures.week_end.astimezone(zone) - timedelta(microseconds=1)
    city = figures.city
    yield "\n".join([t("agency_digest_title", agency=agency_name),
                     t("agency_digest_week", start=format_day(first_day, t.language),
                       end=format_day(last_day, t.language), round=figures.survey_round),
                     t("agency_digest_surveyed", week=t.count(city.surveyed_week),
                       total=t.count(city.surveyed_total))])
    if not figures.indicators:
        yield t("agency_digest_no_indicators")
        return
    if city.surveyed_total == 0:
        yield t("agency_digest_no_families")
        return
    yield "\n".join(_need_lines(figures, t))
    yield "\n".join([t("agency_digest_indicators"),
                     *(t("agency_digest_indicator", code=i.code, name=i.label(t.language),
                         role=t(f"agency_digest_role_{'lead' if i.lead else 'support'}"),
                         mark=t("agency_digest_sensitive_mark") if i.sensitive else "")
                       for i in figures.indicators),
                     t("agency_digest_legend")])
    for area in (city, *figures.areas):
        yield "\n".join(_area_lines(figures, area, t))
    if any(i.sensitive for i in figures.indicators):
        listed = figures.lists_sensitive
        yield t("agency_digest_sensitive_listed" if listed else "agency_digest_sensitive_counted")
    yield t("agency_digest_attachments")


def _need_change(change: int | None, t: Texts) -> str:
    """`` (+12 since the last digest)``, or nothing without a previous digest."""
    return "" if change is None else t("agency_digest_need_change", change=format_change(change, t.language))


def _need_lines(figures: AgencyFigures, t: Texts) -> list[str]:
    """How many families need the agency, the change, and how many are counted but not listed."""
    city = figures.city
    lines = [t("agency_digest_need", count=t.count(city.needing_help),
               share=format_share(city.need_share, t.language), assessed=t.count(city.assessed),
               change=_need_change(city.needing_change, t))]
    if city.unlisted:
        lines.append(t("agency_digest_unlisted", count=t.count(city.unlisted)))
    return lines


def _area_lines(figures: AgencyFigures, area: AreaFigures, t: Texts) -> list[str]:
    """One kelurahan's (or the city's) block: families, shares per indicator, families in need."""
    lines = [t("agency_digest_area", name=area.name or t.raw("agency_digest_city"),
               total=t.count(area.surveyed_total), week=t.count(area.surveyed_week))]
    for k, info in enumerate(figures.indicators):
        if area.answered[k] == 0:
            lines.append(t("agency_digest_share_none", code=info.code))
            continue
        change = area.change[k] if figures.compared else None
        lines.append(t("agency_digest_share", code=info.code, share=format_share(area.share(k), t.language),
                       failing=t.count(area.failing[k]), answered=t.count(area.answered[k]),
                       change="" if change is None else t("agency_digest_change",
                                                          points=format_points(change, t.language))))
    lines.append(t("agency_digest_area_need", count=t.count(area.needing_help),
                   change=_need_change(area.needing_change, t)))
    return lines


def _admin_line(figures: AdminFigures, area: AdminArea, t: Texts) -> str:
    """One area's mean index, class and counts per category."""
    name = area.name or t.raw("agency_digest_city")
    counts = [t("admin_digest_category", label=figures.label(code, t.language), count=t.count(n))
              for (code, _), n in zip(figures.categories, area.categories, strict=True)]
    if area.incomplete:
        counts.append(t("admin_digest_incomplete", count=t.count(area.incomplete)))
    joined = Html(" · ".join(counts))
    if area.mean_index is None:
        return t("admin_digest_area_none", name=name, submitted=t.count(area.submitted), counts=joined)
    change = ("" if area.mean_change is None else
              t("admin_digest_change", points=format_points(area.mean_change, t.language)))
    return t("admin_digest_area", name=name, mean=format_index(area.mean_index, t.language),
             label=figures.label(area.area_class, t.language, area_class=True),
             complete=t.count(area.complete), change=change, counts=joined)
