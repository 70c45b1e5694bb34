"""A planner's own village file (CSV or GeoJSON, ``villages.layer.file``): read, checked and refused in one line.

The reader sits beside :mod:`dxsim.geo.site_file` (the planner's site file); the village layer
(:mod:`dxsim.geo.villages`) places what it returns. The columns follow ``docs/villages_contract.md``.
"""

from __future__ import annotations

import json
import math
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from dxsim.errors import DxsimInputError, FileProblems
from dxsim.geo.build import name_ascii
from dxsim.geo.country import Country
from dxsim.geo.projection import to_projected
from dxsim.i18n import N_
from dxsim.i18n import formats as F
from dxsim.i18n import gettext as _
from dxsim.geo.site_file import (
    a_number,
    LAT_RANGE,
    LON_RANGE,
    check_columns,
    csv_header,
    in_vietnam,
    check_in_country,
    normalise_column,
    read_planner_csv,
    swapped_hint,
)

REQUIRED_COLUMNS = ("name", "lon", "lat", "gso34", "population")
OPTIONAL_COLUMNS = ("village_id", "households", "commune", "has_grid_power", "signal")
# the words read, without diacritics or case (`_word`): English, and Vietnamese as a survey sheet writes them ("có" /
# "không", "đúng" / "sai", "chưa có" = not yet). Why: a provincial file saying "có" or "không" was refused (trial)
_TRUE = ("true", "1", "yes", "y", "t", "co", "dung", "x")
_FALSE = ("false", "0", "no", "n", "f", "", "khong", "sai", "chua", "chua co", "khong co")
# signal: "trắng sóng" (no signal at all) / "không" is none, "lõm sóng" (a coverage hole) / "chập chờn" (on and
# off) / "yếu" (weak) is patchy, as the reports word them (geodata/villages/vn_named_deadzone_villages_sample.csv)
_SIGNAL_WORDS = {
    "none": "none",
    "khong": "none",
    "khong co": "none",
    "khong song": "none",
    "trang song": "none",
    "patchy": "patchy",
    "lom song": "patchy",
    "chap chon": "patchy",
    "yeu": "patchy",
    "song yeu": "patchy",
}


def _word(text: str | None) -> str:
    """A cell's word without diacritics, case or extra spaces ("Không có" -> "khong co")."""
    return " ".join(name_ascii((text or "").strip()).casefold().split())


PRE_2025_CODE = N_("a pre-2025 province code")


def merged_into(code63: str, name63: str, gso34: str, name34: str) -> str:
    """What to write instead of a pre-2025 province code: the 2025 province it is part of (in the language in use)."""
    return _(
        "{gso34} ({name34}), the province {name63} (code {code63} until the 2025 merger) is part of"
    ).format(gso34=gso34, name34=name34, name63=name63, code63=code63)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "").strip()


# Limits of a planner's village file (documented in read_village_file)
BAD_GEOMETRY = (
    "\x00geometry"  # a GeoJSON feature's record key for its geometry's problem (no property is named so)
)
MAX_VILLAGE_ROWS = 20_000  # ~170x the 117 villages without power and signal (seed 000:302)
MAX_GEOJSON_BYTES = 64 * 1024 * 1024  # ~3 KB per feature at the row cap; parsed in memory
VILLAGE_POPULATION_RANGE = (1, 100_000)  # persons; the largest rural commune has ~60,000
_FEATURE_TOKEN = b'"Feature"'
WRITTEN = (
    "\x00written"  # a CSV record's key for its cells as written (read_planner_csv); no column is named so
)


def _fail(path: Path, where: str, col: str, value: Any, allowed: str, message: str = "") -> DxsimInputError:
    """`where`: "row N" (CSV) or "feature N" (GeoJSON), already in the language in use (`_where`)."""
    field = _("{where}, column {col}").format(where=where, col=col)
    return DxsimInputError(
        message or _("invalid value"), file=path, field=field, value=value, allowed=allowed
    )


class _JsonObject(dict[str, Any]):
    """A JSON object that remembers keys given more than once (json keeps only the last)."""

    repeated: list[str]


def _json_object(pairs: list[tuple[str, Any]]) -> _JsonObject:
    obj = _JsonObject(pairs)
    keys = [k for k, _ in pairs]
    obj.repeated = [k for i, k in enumerate(keys) if k in keys[:i]]
    return obj


def _count_features(path: Path) -> int:
    """Occurrences of the token "Feature" (one per GeoJSON feature), streamed: a cheap upper bound."""
    n, tail = 0, b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            buf = tail + chunk
            n += buf.count(_FEATURE_TOKEN)
            tail = buf[-(len(_FEATURE_TOKEN) - 1) :]
    return n


def _too_many(path: Path, found: str) -> DxsimInputError:
    return DxsimInputError(
        _("{found}: too many villages").format(found=found),
        file=path,
        allowed=_("at most {n} villages per file; list the villages the programme is about").format(
            n=F.number(MAX_VILLAGE_ROWS, 0)
        ),
    )


def _read_records(path: Path) -> tuple[list[dict[str, Any]], list[str], str]:
    """(records with lower-case keys, column names, 'csv'/'geojson'); size checked before loading."""
    text_start = b""
    try:
        with open(path, "rb") as fh:
            text_start = fh.read(64).lstrip()
        size = path.stat().st_size
    except OSError as exc:
        raise DxsimInputError(
            _("cannot read the file ({reason})").format(reason=exc.strerror or exc), file=path
        ) from None
    is_json = path.suffix.lower() in (".geojson", ".json") or text_start.startswith(b"{")
    if not is_json:
        csv_header(path, max_rows=MAX_VILLAGE_ROWS, row_word=_("village rows"))
        try:
            df, written = read_planner_csv(path)
        except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
            raise DxsimInputError(
                _("not a readable CSV ({reason})").format(
                    reason=str(exc).splitlines()[0] if str(exc) else exc
                ),
                file=path,
            ) from None
        rows = df.to_dicts()
        for row, as_written in zip(rows, written.to_dicts(), strict=True):
            row[WRITTEN] = as_written  # what messages quote (1.200,5 as written, not 1200.5 as read)
        return rows, df.columns, "csv"
    if size > MAX_GEOJSON_BYTES:
        raise DxsimInputError(
            _("GeoJSON file of {mb} MB").format(mb=F.number(size / 2**20, 0)),
            file=path,
            allowed=_("at most {mb} MB and {n} features").format(
                mb=MAX_GEOJSON_BYTES // 2**20, n=F.number(MAX_VILLAGE_ROWS, 0)
            ),
        )
    n_tokens = _count_features(path)
    if n_tokens > MAX_VILLAGE_ROWS:
        raise _too_many(path, _('{n} "Feature" objects').format(n=F.number(n_tokens, 0)))
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"), object_pairs_hook=_json_object)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise DxsimInputError(
            _("not readable GeoJSON ({reason})").format(
                reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            ),
            file=path,
            allowed=_("a GeoJSON FeatureCollection of Point features"),
        ) from None
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list):
        raise DxsimInputError(
            _("not a GeoJSON FeatureCollection"),
            file=path,
            field="features",
            allowed=_("a GeoJSON FeatureCollection of Point features"),
        )
    if len(feats) > MAX_VILLAGE_ROWS:
        raise _too_many(path, _("{n} features").format(n=F.number(len(feats), 0)))
    recs: list[dict[str, Any]] = []
    cols: list[str] = ["lon", "lat"]
    for i, f in enumerate(feats):
        geom = f.get("geometry") if isinstance(f, dict) else None
        coords = geom.get("coordinates") if isinstance(geom, dict) else None
        bad_geometry = None
        if not (
            isinstance(geom, dict)
            and geom.get("type") == "Point"
            and isinstance(coords, list)
            and len(coords) >= 2
        ):  # listed with the feature's other problems: the file stopped at its first null geometry (trial)
            bad_geometry = DxsimInputError(
                _("invalid value"),
                file=path,
                field=_("feature {n}, column {column}").format(n=i + 1, column="geometry"),
                value=geom.get("type")
                if isinstance(geom, dict)
                else json.dumps(geom),  # None: "null", as written
                allowed=_("a Point geometry [lon, lat]"),
            )
        props = f.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            raise DxsimInputError(
                _("properties is a JSON {type}").format(type=type(props).__name__),
                file=path,
                field=_("feature {n}, properties").format(n=i + 1),
                allowed=_("a JSON object, e.g. {example}").format(
                    example='{"name": "Bản A", "gso34": "08", "population": 150}'
                ),
            )
        where = _("feature {n}, properties").format(n=i + 1)
        repeated = getattr(props, "repeated", [])
        if repeated:
            raise DxsimInputError(
                _("key {key} is given twice").format(key=repr(repeated[0])),
                file=path,
                field=where,
                value=repeated[0],
                allowed=_("each key once; names are case-insensitive"),
            )
        check_columns(path, [str(k) for k in props], where)
        rec: dict[str, Any] = {
            normalise_column(str(k)): (None if v is None else str(v)) for k, v in props.items()
        }
        for k in rec:
            if k not in cols:
                cols.append(k)
        if bad_geometry is not None:
            rec[BAD_GEOMETRY] = bad_geometry
        elif isinstance(coords, list):
            rec["lon"], rec["lat"] = str(coords[0]), str(coords[1])
        recs.append(rec)
    return recs, cols, "geojson"


def _whole(
    path: Path,
    w: str,
    col: str,
    raw_v: Any,
    lo: int,
    hi: int,
    unit: str,
    empty_ok: bool = False,
    *,
    shown: Any = None,
) -> int:
    """A whole number in lo..hi (a float with nothing after the point, e.g. 150.0, is accepted); `shown`: the cell as
    written, for the message (default `raw_v`)."""
    shown = raw_v if shown is None else shown
    allowed = (
        _("a whole number of {unit}, at least {lo} and at most {hi}, or empty to derive it")
        if empty_ok
        else _("a whole number of {unit}, at least {lo} and at most {hi}")
    ).format(unit=unit, lo=F.number(lo), hi=F.number(hi))
    try:
        v = float(str(raw_v).strip())
    except (TypeError, ValueError):
        raise _fail(path, w, col, shown, allowed) from None
    if not (math.isfinite(v) and v.is_integer() and lo <= v <= hi):
        raise _fail(path, w, col, shown, allowed)
    return int(v)


def read_village_file(
    path: Path | str, country: Country | None = None, *, tolerance_km: float = 2.0, geo: Any | None = None
) -> pl.DataFrame:
    """Read and validate a planner's village CSV or GeoJSON (Point features).

    Required columns `name, lon, lat, gso34, population`; optional `village_id, households,
    commune`; column (GeoJSON: property) names are case-insensitive and each may appear once.
    Ranges: lon/lat inside Vietnam (:data:`dxsim.geo.site_file.LON_RANGE`/`LAT_RANGE`),
    population a whole number of persons in :data:`VILLAGE_POPULATION_RANGE` (1..100,000),
    households a whole number from 1 to the population (empty = derive). Two identical rows are
    refused. Optional `has_grid_power` (true/false/1/0/yes/no/có/không; empty = false) puts a village in the
    with-power subset (signal track only), `signal` (none/patchy; empty = none). At most :data:`MAX_VILLAGE_ROWS` (20,000) villages, and a GeoJSON file at most
    :data:`MAX_GEOJSON_BYTES` (64 MB), checked before the file is loaded. Every problem is a
    one-line DxsimInputError naming the file, the row (CSV: as a spreadsheet counts, header =
    row 1; GeoJSON: feature number), the column, the value and what is allowed. With `country`,
    each point must lie in its gso34 province (or within `tolerance_km` of it; `geo`: see check_provinces), and
    every problem of the file is listed (FileProblems), those of the province check among them. Returns
    village_id, name, lon, lat, gso34, population, households (0 = derive), commune (None = derive),
    has_grid_power, signal, and _where and _row (the row or feature as errors name it, and its index from 0).
    """
    path = Path(path)
    if not path.is_file():
        raise DxsimInputError(
            _("village file not found"),
            file=path,
            field="villages.layer.file",
            allowed=_("an existing CSV or GeoJSON file"),
        )
    recs, cols, kind = _read_records(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    if missing:
        raise DxsimInputError(
            _("missing column(s) {columns}").format(columns=", ".join(missing)),
            file=path,
            field=_("header"),
            allowed=_("columns {columns} (optional {optional})").format(
                columns=", ".join(REQUIRED_COLUMNS), optional=", ".join(OPTIONAL_COLUMNS)
            ),
        )
    if not recs:
        raise DxsimInputError(_("no rows"), file=path, allowed=_("at least one village"))

    def where(i: int) -> str:
        return _("row {row}").format(row=i + 2) if kind == "csv" else _("feature {n}").format(n=i + 1)

    codes = set(country.province_codes) if country is not None else None
    out: dict[str, list[Any]] = {
        c: []
        for c in (
            "village_id",
            "name",
            "lon",
            "lat",
            "gso34",
            "population",
            "households",
            "commune",
            "has_grid_power",
            "signal",
            "_where",
            "_row",
        )
    }
    seen: dict[str, str] = {}
    first_row: dict[tuple[Any, ...], str] = {}
    pop_lo, pop_hi = VILLAGE_POPULATION_RANGE
    problems = FileProblems(path)
    # a row without an id gets P<its row>, or the next P-number no row of the file names: "P003" given to row 4 had
    # clashed with another row's own P003, and the message quoted a value row 4 did not hold (planner-data trial)
    given = {str(r.get("village_id") or "").strip() for r in recs}
    auto: dict[int, str] = {}
    number = 0
    for i, rec in enumerate(recs):
        if not str(rec.get("village_id") or "").strip():
            number = max(number, i + 1)
            while f"P{number:03d}" in given:
                number += 1
            auto[i] = f"P{number:03d}"
            number += 1
    for i, rec in enumerate(recs):
        with problems.gather(i):  # a bad row is listed and left out; the next row is read
            if BAD_GEOMETRY in rec:
                raise rec[BAD_GEOMETRY]
            w = where(i)
            shown = rec.get(WRITTEN, rec)  # the cells as written, for messages
            vals = {}
            for c in ("lon", "lat"):
                raw_v = rec.get(c)
                try:
                    v = float(str(raw_v).strip())
                except (TypeError, ValueError):
                    raise _fail(path, w, c, shown.get(c), a_number(shown.get(c))) from None
                if not np.isfinite(v):
                    raise _fail(path, w, c, shown.get(c), _("a finite number"))
                vals[c] = v
            if not LON_RANGE[0] <= vals["lon"] <= LON_RANGE[1]:
                raise _fail(
                    path,
                    w,
                    "lon",
                    shown.get("lon"),
                    in_vietnam(LON_RANGE) + swapped_hint(vals["lon"], vals["lat"]),
                )
            if not LAT_RANGE[0] <= vals["lat"] <= LAT_RANGE[1]:
                raise _fail(path, w, "lat", shown.get("lat"), in_vietnam(LAT_RANGE))
            pop = _whole(
                path,
                w,
                "population",
                rec.get("population"),
                pop_lo,
                pop_hi,
                _("persons"),
                shown=shown.get("population"),
            )
            hh_raw = (rec.get("households") or "").strip()
            hh = (
                _whole(
                    path,
                    w,
                    "households",
                    hh_raw,
                    1,
                    pop,
                    _("households (at most the population)"),
                    True,
                    shown=shown.get("households"),
                )
                if hh_raw
                else 0
            )
            g = (rec.get("gso34") or "").strip()
            if g.isdigit() and len(g) <= 2:
                g = g.zfill(2)
            former = country.former_province(g) if country is not None else None
            if former is not None:
                raise _fail(
                    path, w, "gso34", rec.get("gso34"), merged_into(g, *former), message=_(PRE_2025_CODE)
                )
            named = country.province_by_name(g) if country is not None and not g.isdigit() else None
            if named is not None:  # "Quang Tri" for 44: the code to write, as a campaign's villages are told
                raise _fail(
                    path,
                    w,
                    "gso34",
                    rec.get("gso34"),
                    _("its gso34 code, '{code}' ({name})").format(code=named[0], name=named[1]),
                    message=_("a province's name, not its code"),
                )
            if not (len(g) == 2 and g.isdigit()) or (codes is not None and g not in codes):
                allowed = _("a 2-digit province code") + (f" ({', '.join(sorted(codes))})" if codes else "")
                raise _fail(path, w, "gso34", rec.get("gso34"), allowed)
            vid_raw = (rec.get("village_id") or "").strip()
            vid = vid_raw or auto[i]
            if vid in seen:
                raise _fail(
                    path,
                    w,
                    "village_id",
                    vid,
                    _("a unique id (also used on {where})").format(where=seen[vid]),
                    message=_("duplicate village id"),
                )
            seen[vid] = w
            name, commune = _nfc(rec.get("name") or ""), _nfc(rec.get("commune") or "") or None
            key = (vid_raw, name, vals["lon"], vals["lat"], g, pop, hh, commune)
            if key in first_row:
                raise DxsimInputError(
                    _(
                        "{row} repeats {first} (same name, lon, lat, gso34, population, households, commune): a village "
                        "counted twice"
                    ).format(row=w, first=first_row[key]),
                    file=path,
                    field=_("{first} and {row}").format(first=first_row[key], row=w),
                    allowed=_("each village once; delete one of them"),
                )
            first_row[key] = w
            power = _word(rec.get("has_grid_power"))
            if power not in _TRUE + _FALSE:
                raise _fail(
                    path,
                    w,
                    "has_grid_power",
                    (rec.get("has_grid_power") or "").strip(),
                    _("true or false (also yes/no, 1/0, có/không; empty = false: no grid power)"),
                )
            signal = _word(rec.get("signal")) or "none"
            if signal not in _SIGNAL_WORDS:
                raise _fail(
                    path,
                    w,
                    "signal",
                    rec.get("signal"),
                    _("none or patchy (also trắng sóng / lõm sóng; empty = none)"),
                )
            out["has_grid_power"].append(power in _TRUE)
            out["signal"].append(_SIGNAL_WORDS[signal])
            out["village_id"].append(vid)
            out["name"].append(name)
            out["lon"].append(vals["lon"])
            out["lat"].append(vals["lat"])
            out["gso34"].append(g)
            out["population"].append(pop)
            out["households"].append(hh)
            out["commune"].append(commune)
            out["_where"].append(w)
            out["_row"].append(i)
    df = pl.DataFrame(
        out,
        schema={
            "village_id": pl.Utf8,
            "name": pl.Utf8,
            "lon": pl.Float64,
            "lat": pl.Float64,
            "gso34": pl.Utf8,
            "population": pl.Int64,
            "households": pl.Int64,
            "commune": pl.Utf8,
            "has_grid_power": pl.Boolean,
            "signal": pl.Utf8,
            "_where": pl.Utf8,
            "_row": pl.Int64,
        },
    )
    if country is not None and df.height:
        # in Laos or 40 km out at sea, a village took the nearest cell's province and was "ok" (planner-data trial,
        # 2026-12-07), where a site file refuses such points: the same test, each village once
        outside = FileProblems(path)
        check_in_country(
            path,
            df,
            country,
            df["_row"].to_list(),
            outside,
            df["_where"].to_list(),
            N_("the village lies outside Viet Nam"),
        )
        for (
            row,
            e,
        ) in outside.found:  # each once: a village outside the country is not also in a wrong province
            problems.add(e, int(row))
        far = [int(row) for row, _e in outside.found]
        check_provinces(path, df.filter(~pl.col("_row").is_in(far)), country, tolerance_km, geo, problems)
    problems.raise_any()
    return df


def check_provinces(
    path: Path,
    df: pl.DataFrame,
    country: Country,
    tolerance_km: float,
    geo: Any | None = None,
    problems: FileProblems | None = None,
) -> None:
    """Each point in its gso34 province: its cell's province (off-grid: the nearest cell's), or any
    populated cell within `tolerance_km` of it in that province. `geo`: the village layer's prepared geometry
    (cell_at, x, y, cell_tree), to reuse its grid and tree; without it they are built from `country`. Each village
    elsewhere is a problem, added to `problems` (raised here when None); `df["_row"]`: its row (from 0)."""
    lon, lat = df["lon"].to_numpy(), df["lat"].to_numpy()
    codes = np.asarray(country.province_codes)
    names = country.provinces["name34"].to_list()
    cells_gso = country.cells["gso34"].to_numpy()
    if geo is None:
        cell = country.cell_at(lon, lat)
        xy = country.cell_xy_m
    else:
        _row, _col, cell = geo.cell_at(lon, lat)  # `_` is gettext in this module
        xy = np.c_[geo.x, geo.y]
    x, y = to_projected(lon, lat)
    want = df["gso34"].to_numpy()
    here = np.where(cell >= 0, cells_gso[np.maximum(cell, 0)], "")
    need = np.flatnonzero((cell < 0) | (here != want))
    if need.size == 0:
        return
    from scipy.spatial import cKDTree

    tree = geo.cell_tree if geo is not None else cKDTree(xy)
    _dist, nn = tree.query(np.c_[x[need], y[need]])
    here[need] = np.where(cell[need] >= 0, here[need], cells_gso[np.asarray(nn)])
    bad = need[here[need] != want[need]]
    if bad.size == 0:
        return
    around = tree.query_ball_point(np.c_[x[bad], y[bad]], 1000.0 * tolerance_km)
    found = FileProblems(path) if problems is None else problems
    for i, js in zip(bad, around):  # only the mismatching villages
        if np.any(cells_gso[np.asarray(js, dtype=np.int64)] == want[i]):
            continue
        actual = here[i]
        pname = names[int(np.searchsorted(codes, actual))]
        found.add(
            DxsimInputError(
                _("the point lies in another province"),
                file=path,
                field=_("{where}, column {col}").format(where=df["_where"][int(i)], col="gso34"),
                value=want[i],
                allowed=_(
                    "{actual} ({name}), the province at lon {lon}, lat {lat}, or a point within {km} km of province {gso34}"
                ).format(
                    actual=actual,
                    name=pname,
                    lon=F.number(float(lon[i]), 5),
                    lat=F.number(float(lat[i]), 5),
                    km=F.number(tolerance_km, 1 if tolerance_km % 1 else 0),
                    gso34=want[i],
                ),
            ),
            int(df["_row"][int(i)]),
        )
    if problems is None:
        found.raise_any()
