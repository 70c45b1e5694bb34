"""Vietnamese and English (issue 15): every message in both languages, CLDR formats, the glossary."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import dxsim
from dxsim.i18n import GLOSSARY, LANGS, UnknownLanguage, catalog_path, gettext, language, set_language
from dxsim.i18n import formats as F

PACKAGE = Path(dxsim.__file__).resolve().parent
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


def code_messages() -> set[str]:
    """Every msgid the code marks for translation (Babel's extractor, as `pybabel extract` runs it)."""
    out = set()
    for _file, _line, msg, _comments, _ctx in extract_from_dir(
        str(PACKAGE), keywords=KEYWORDS, method_map=[("**.py", "python")]
    ):
        out.update([msg] if isinstance(msg, str) else [m for m in msg if m])
    return out


@pytest.fixture(autouse=True)
def english_after() -> None:  # type: ignore[misc]
    yield
    set_language(None)


def test_a_phrase_the_code_swaps_is_translated_alike_in_every_message() -> None:
    """bottlenecks._over_runs swaps "P50 over replications" for "one replication" inside a finished line, by the
    phrase's own translation; one message translated it "P50 qua các lần chạy", so a one-replication run said "P50"
    in Vietnamese only (re-trial). Every message holding the phrase holds its translation."""
    with open(catalog_path("vi"), "rb") as f:
        cat = read_po(f, locale="vi")
    vi = {m.id: m.string for m in cat if isinstance(m.id, str) and m.id}
    for phrase in ("P50 over replications",):
        said = vi[phrase]
        bad = [i for i, text in vi.items() if phrase in i and i != phrase and said not in text]
        assert not bad, (phrase, said, bad)


def test_every_message_has_both_languages() -> None:
    with open(catalog_path("vi"), "rb") as f:
        cat = read_po(f, locale="vi")
    # a plural entry (ngettext) is found by its singular and its plural msgid
    vi = {i: m.string for m in cat if m.id for i in ([m.id] if isinstance(m.id, str) else m.id)}
    msgs = code_messages()
    assert {"bn VND", "tn VND"} <= msgs  # the extractor sees the code's messages
    missing = sorted(m for m in msgs if not vi.get(m) or (isinstance(vi[m], tuple) and not all(vi[m])))
    assert not missing, f"messages without a Vietnamese translation in {catalog_path('vi')}: {missing}"
    assert not [m for m in cat if m.fuzzy and m.id], "fuzzy entries are not used; review them"


def test_language_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DXSIM_LANG", raising=False)
    assert language() == "en"
    monkeypatch.setenv("DXSIM_LANG", "vi_VN.UTF-8")
    assert language() == "vi" and gettext("bn VND") == "tỷ đồng"
    assert set_language("EN") == "en" and gettext("bn VND") == "bn VND"  # --lang beats the environment
    with pytest.raises(UnknownLanguage):
        set_language("fr")


@pytest.mark.parametrize(
    "lang, num, pct, day, mon, bn, tn",
    [
        ("vi", "1.074,75", "39,52%", "31/12/2025", "tháng 12/2025", "1.250 tỷ đồng", "12,7 nghìn tỷ đồng"),
        ("en", "1,074.75", "39.52%", "2025-12-31", "2025-12", "1,250 bn VND", "12.7 tn VND"),
    ],
)
def test_formats(lang: str, num: str, pct: str, day: str, mon: str, bn: str, tn: str) -> None:
    set_language(lang)
    assert F.number(1074.75, 2) == num
    assert F.percent(39.52) == pct
    assert F.date(dt.date(2025, 12, 31)) == day
    assert F.month(dt.date(2025, 12, 31)) == mon
    assert F.money_vnd_bn(1250) == bn
    assert F.money_vnd_bn(12697) == tn
    assert F.number(16737) == ("16.737" if lang == "vi" else "16,737")  # the seed's own "16.737 trạm 5G"
    assert F.number(float("nan")) == F.MISSING and F.percent(None) == F.MISSING
    assert F.significant(5.38e-06) == ("0,00000538" if lang == "vi" else "0.00000538")


def test_glossary_is_sourced_and_the_catalogue_uses_it() -> None:
    rows = list(csv.DictReader(GLOSSARY.open(encoding="utf-8")))
    assert {
        "trạm 5G",
        "phủ sóng",
        "thôn, bản",
        "vùng lõm sóng",
        "điểm lõm sóng",
        "trung tâm dữ liệu",
        "công suất",
        "Nghị quyết 193/2025/QH15",
    } <= {r["vi"] for r in rows}
    assert all(r["en"] and r["vi"] and r["source"] for r in rows)
    assert LANGS == ("en", "vi")


def test_one_word_per_concept_in_the_catalogue() -> None:
    """A trial review found the median throughput as "Thông lượng" and the mean as "Tốc độ" in adjacent rows,
    "ngày-MW" and "MW-ngày" in one sentence, and a data-centre cause called "xây dựng" in the chart's legend but
    "thi công" in the sentence under it. The glossary's words, wherever the English says the same thing."""
    with open(catalog_path("vi"), "rb") as f:
        cat = read_po(f, locale="vi")
    vi = {m.id: m.string for m in cat if m.id and isinstance(m.id, str)}
    throughput = [k for k in vi if "user throughput" in k]
    assert len(throughput) >= 4
    assert not [k for k in throughput if "thông lượng" not in vi[k].casefold()]
    assert not [k for k, v in vi.items() if "MW-ngày" in v]
    public = [k for k in vi if "public money" in k.casefold()]  # "tiền công" (wages) stood in three of them
    assert len(public) >= 10
    assert not [k for k in public if "ngân sách nhà nước" not in vi[k].casefold()]
    for key, text in vi.items():  # "<cause> binds" and "<cause> delays most" name the cause by its own word
        for tail in (" binds", " delays most"):
            cause = key[: -len(tail)]
            if key.endswith(tail) and cause in vi and "{" not in cause:
                assert text.startswith(vi[cause]), (key, text, vi[cause])


def test_bad_input_in_vietnamese_names_file_field_value_and_allowed(tmp_path: Path) -> None:
    from conftest import dxsim_cmd

    f = tmp_path / "x.toml"
    f.write_text(
        f'extends = "{PACKAGE.parent / "scenarios" / "baseline.toml"}"\nname = "x"\ncrewz = 3\n',
        encoding="utf-8",
    )
    for args in (["validate", str(f), "--lang", "vi"], ["--lang=vi", "validate", str(f)]):
        r = dxsim_cmd(*args)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        line = r.stderr.strip()
        assert line.startswith("lỗi: ") and str(f) in line and "crewz = 3" in line
        assert "khóa không xác định 'crewz'" in line and "có phải ý bạn là 'crews'?" in line
        assert "(cho phép: name, description" in line
    r = dxsim_cmd("validate", str(f), "--lang", "fr")
    assert r.returncode == 2 and "--lang = 'fr'" in r.stderr and "vi (Tiếng Việt) or en" in r.stderr
    r = dxsim_cmd("validate", str(f), env={"DXSIM_LANG": "vi"})
    assert r.returncode == 2 and r.stderr.startswith("lỗi: ")


def test_a_key_s_kind_is_said_in_vietnamese(tmp_path: Path) -> None:
    """ "region không xác định 'nort'": the kind of key (region, year) stayed English inside a Vietnamese error."""
    from dxsim.errors import DxsimInputError
    from dxsim.scenario import load_scenario

    base = PACKAGE.parent / "scenarios" / "baseline.toml"
    cases = {
        "[villages.programme.crews.nort]\nutility_teams = 3\n": (
            "miền không xác định 'nort'",
            "unknown region 'nort'",
        ),
        "[operators.viettel.capex_budget_vnd_bn]\n1990 = 5\n": (
            "'1990' không phải năm hợp lệ (cho phép: năm từ 2020 đến 2100)",
            "'1990' is not a valid year (allowed: a year between 2020 and 2100)",
        ),
        # a list's kind: "a list of bảngs" (the list words without the catalogue's "type" context; trial 2026-12-07)
        '[compute.datacentres]\nextra_projects = [{gso34 = "01", project_id = "N1", operator = "x"}]\n': (
            "phases: thiếu trường bắt buộc (cho phép: một danh sách bảng)",
            "phases: field required (allowed: a list of tables)",
        ),
    }
    for i, (body, (vi, en)) in enumerate(cases.items()):
        f = tmp_path / f"k{i}.toml"
        f.write_text(f'extends = "{base}"\nname = "k"\n{body}', encoding="utf-8")
        for lang, want in (("vi", vi), ("en", en)):
            set_language(lang)
            with pytest.raises(DxsimInputError) as err:
                load_scenario(f)
            assert want in str(err.value), (lang, str(err.value))


def test_planner_file_errors_in_vietnamese(tmp_path: Path) -> None:
    """A bad value in a planner's site or village file under --lang vi: the line read "lỗi: sites.csv: row 3, column
    lon = '200': invalid value (cho phép: 101.8..109.8 (Vietnam))", English but for two words. Now Vietnamese, with
    the file's own column names and values; the English line is unchanged."""
    from conftest import dxsim_cmd

    base = PACKAGE.parent / "scenarios" / "baseline.toml"
    sites = tmp_path / "sites.csv"
    sites.write_text(
        "lon,lat,operator,technology,band_mhz,on_air_date\n105.8,21.0,viettel,4g,1800,2019-01-01\n"
        "200,21.0,viettel,4g,1800,2019-01-01\n",
        encoding="utf-8",
    )
    villages = tmp_path / "v.csv"
    villages.write_text("name,lon,lat,gso34,population\nBản Á,105.0,22.0,08,abc\n", encoding="utf-8")
    bad_signal = tmp_path / "v2.csv"
    bad_signal.write_text(
        "name,lon,lat,gso34,population,signal\nBản Á,105.0,22.0,08,100,weak\n", encoding="utf-8"
    )
    cases = {
        f'[sites]\nfile = "{sites}"\n': (
            f"lỗi: {sites}: dòng 3, cột lon = '200': giá trị không hợp lệ (cho phép: 101,8..117,3 (lãnh thổ Việt Nam))",
            f"error: {sites}: row 3, column lon = '200': invalid value (allowed: 101.8..117.3 (Vietnam))",
        ),
        f'[villages.layer]\nfile = "{villages}"\n': (
            f"lỗi: {villages}: dòng 2, cột population = 'abc': giá trị không hợp lệ "
            "(cho phép: một số nguyên (người), từ 1 đến 100.000)",
            f"error: {villages}: row 2, column population = 'abc': invalid value "
            "(allowed: a whole number of persons, at least 1 and at most 100,000)",
        ),
        f'[villages.layer]\nfile = "{bad_signal}"\n': (
            f"lỗi: {bad_signal}: dòng 2, cột signal = 'weak': giá trị không hợp lệ (cho phép: trắng sóng (none) hoặc lõm sóng (patchy)",
            f"error: {bad_signal}: row 2, column signal = 'weak': invalid value (allowed: none or patchy",
        ),
    }
    for i, (body, (vi, en)) in enumerate(cases.items()):
        f = tmp_path / f"s{i}.toml"
        f.write_text(f'extends = "{base}"\nname = "s{i}"\n{body}', encoding="utf-8")
        line = _bad_input_line(dxsim_cmd("validate", str(f), "--lang", "vi"), vi)
        assert not re.search(r"\b(row|column|invalid|allowed|persons)\b", line), line
        _bad_input_line(dxsim_cmd("validate", str(f), "--lang", "en"), en)


def test_rules_between_fields_in_vietnamese(tmp_path: Path) -> None:
    """A rule between two fields (the horizon ends before it starts; shares that do not add up) gets its one line in
    Vietnamese too, pointing at the field, not English inside a Vietnamese line."""
    from conftest import dxsim_cmd

    base = PACKAGE.parent / "scenarios" / "baseline.toml"
    cases = {
        "[horizon]\nend_date = 2025-01-01\n": ("horizon.end_date = '2025-01-01'", "phải sau start_date"),
        "[budget]\nenabled = true\ntotal_vnd_bn = {2026 = 100}\n[budget.share_pct]\nvillages = 90\n": (
            "budget",
            "phải có tổng bằng 100, hiện là",
        ),
    }
    for i, (body, (field, words)) in enumerate(cases.items()):
        f = tmp_path / f"r{i}.toml"
        f.write_text(f'extends = "{base}"\nname = "r{i}"\n{body}', encoding="utf-8")
        r = dxsim_cmd("validate", str(f), "--lang", "vi")
        line = r.stderr.strip()
        assert r.returncode == 2 and len(line.splitlines()) == 1, r.stderr
        assert line.startswith("lỗi: ") and field in line and words in line, line
        assert "must" not in line and "got" not in line, line


def test_compare_markdown_in_vietnamese(tmp_path: Path) -> None:
    """compare.md in Vietnamese: labels, units and numbers as the reports write them; identifiers stay English."""
    import polars as pl
    from conftest import dxsim_cmd

    base = tmp_path / "a.toml"
    base.write_text(
        f'extends = "{PACKAGE.parent / "scenarios" / "baseline.toml"}"\nname = "a"\n'
        "[horizon]\nend_date = 2026-12-31\n",
        encoding="utf-8",
    )
    opt = tmp_path / "b.toml"
    opt.write_text(
        'extends = "a.toml"\nname = "b"\n[supply]\ndeliveries_per_month = 2000\n', encoding="utf-8"
    )
    r = dxsim_cmd(
        "compare", str(base), str(opt), "--reps", "1", "--out", str(tmp_path / "cmp"), "--lang", "vi"
    )
    assert r.returncode == 0, r.stderr
    md = (tmp_path / "cmp" / "compare.md").read_text(encoding="utf-8")
    assert "# So sánh phương án (kịch bản gốc: a)" in md
    assert "Tỷ lệ dân số được phủ sóng 5G, cuối tháng 12/2026" in md
    assert "| Vốn đầu tư 5G trong kỳ | tỷ đồng |" in md
    row = next(line for line in md.splitlines() if line.startswith("| Vốn đầu tư 5G trong kỳ"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert all("," not in c for c in cells[2:4]) and any("." in c for c in cells[2:4])  # 12.345: '.' groups
    csv = pl.read_csv(tmp_path / "cmp" / "compare.csv")
    assert "capex_total_vnd_bn" in csv["kpi"].to_list() and "a" in csv.columns  # identifiers stay English


@pytest.mark.parametrize(
    "lang, source, expect",
    [
        (
            "vi",
            "000:56 MoST report on the National DT Programme results to 2025, ~Nov 2025",
            "Báo cáo của Bộ KH&CN về kết quả Chương trình Chuyển đổi số quốc gia, 11/2025",
        ),
        (
            "vi",
            "MoST report 000:56 (../shared/seeds/000_e1415d1b035d2da9.txt)",
            "Báo cáo của Bộ KH&CN về kết quả Chương trình Chuyển đổi số quốc gia, 11/2025",
        ),
        (
            "en",
            "004:291-293 MoST report 'Chuyển đổi số quốc gia tháng 3 năm 2025', 03/2025",
            "MoST report on national digital transformation, March 2025",
        ),
        ("vi", "GSO release 2025-01-06", "GSO release 2025-01-06"),  # not a seed: kept as written
    ],
)
def test_plain_citations(lang: str, source: str, expect: str) -> None:
    from dxsim.i18n.citations import citation

    set_language(lang)
    assert citation(source) == expect
    assert ":56" not in citation(source) and "seeds/" not in citation(source)


def test_run_tables_and_workbook_in_vietnamese(tmp_path: Path) -> None:
    """`dxsim run --lang vi`: the terminal tables and the workbook's column labels in Vietnamese, numbers as
    16.737 / 79,89; the data files keep their English identifiers."""
    import re

    import fastexcel
    import polars as pl
    from conftest import dxsim_cmd

    sc = tmp_path / "a.toml"
    sc.write_text(
        f'extends = "{PACKAGE.parent / "scenarios" / "baseline.toml"}"\nname = "a"\n'
        "[horizon]\nend_date = 2026-12-31\n",
        encoding="utf-8",
    )
    r = dxsim_cmd(
        "run",
        str(sc),
        "--lang",
        "vi",
        "--no-map",
        "--no-report",
        "--out",
        str(tmp_path / "out"),
        env={"COLUMNS": "200"},
    )
    assert r.returncode == 0, r.stderr
    assert "Chỉ tiêu" in r.stdout and "Trạm 5G đang phát sóng, cuối tháng 12/2026" in r.stdout
    row = next(line for line in r.stdout.splitlines() if "Trạm 5G đang phát sóng, cuối tháng 12/2026" in line)
    assert re.search(r"\b\d{1,3}\.\d{3}\b", row)  # thousands grouped with '.'
    cov = next(
        line
        for line in r.stdout.splitlines()
        if "Tỷ lệ dân số được phủ sóng 5G (%), cuối tháng 12/2026" in line
    )
    assert re.search(r"\b\d{1,3},\d{2}\b", cov)  # decimal comma
    assert r.stdout.rstrip().endswith(f"đã ghi {tmp_path / 'out'}/")
    book = fastexcel.read_excel(tmp_path / "out" / "results.xlsx")
    assert book.sheet_names[:3] == [
        "About",
        "KPIs",
        "Provinces by year",
    ]  # sheet names stay (scripts use them)
    prov = book.load_sheet_by_name("Provinces by year").to_polars()
    assert prov.columns[:4] == ["Mã tỉnh", "Tỉnh", "Cuối năm", "Số trạm 5G"]
    villages = book.load_sheet_by_name("Villages").to_polars()
    assert villages.columns[0] == "Mã thôn, bản"
    # why each village got its option, in Vietnamese with a decimal comma (composed when the world is prepared)
    why = villages["Lý do chọn phương án"].to_list()
    assert all("NPV thấp nhất" in w and "tỷ đồng" in w for w in why), why[:3]
    assert any(re.search(r"đường dây \d+,\d km trong giới hạn", w) for w in why), why[:3]
    assert not [w for w in why if "least NPV" in w or "bn VND" in w]
    kpis = book.load_sheet_by_name("KPIs").to_polars()
    assert kpis.columns[:3] == ["KPI", "Nhãn", "Đơn vị"] and "Ngày P50" in kpis.columns
    unit = dict(zip(kpis["KPI"], kpis["Đơn vị"], strict=True))
    assert unit["capex_total_vnd_bn"] == "tỷ đồng" and unit["year_5g_pop_90pct"] == "năm (số thập phân)"
    # identifiers in the sheets as the report's words: no `modern_air`, `existing_grid` or `leo` in a Vietnamese book
    dcs = book.load_sheet_by_name("Data centres").to_polars()
    assert set(dcs["Làm mát"]) <= {
        "làm mát bằng khí (hiện đại)",
        "làm mát bằng khí (thế hệ cũ)",
        "làm mát bằng chất lỏng",
    }
    assert "vệ tinh quỹ đạo thấp (LEO)" in set(villages["Phương án truyền dẫn"])
    label = dict(zip(kpis["KPI"], kpis["Nhãn"], strict=True))["capex_total_vnd_bn"]
    set_language("vi")
    assert label == gettext("5G capex over the horizon (VND bn)") and label.startswith("Vốn đầu tư 5G"), label
    import openpyxl

    ws = openpyxl.load_workbook(tmp_path / "out" / "results.xlsx")["Villages"]
    header = [c.value for c in ws[1]]
    lon = ws.cell(row=2, column=header.index("Kinh độ") + 1)  # coordinates keep ~0.1 m in every language
    assert lon.number_format == "0.000000" and isinstance(lon.value, float)
    # dates as the terminal, report and map write them in Vietnamese: 14/05/2026 (the workbook showed 2026-05-14)
    col = header.index("Khởi công") + 1
    started = next(ws.iter_cols(min_col=col, max_col=col, min_row=2))
    assert {c.number_format for c in started if c.value is not None} == {"dd/mm/yyyy"}
    kws = openpyxl.load_workbook(tmp_path / "out" / "results.xlsx")["KPIs"]
    kheader = [c.value for c in kws[1]]
    p50 = [kws.cell(row=r, column=kheader.index("Ngày P50") + 1) for r in range(2, kws.max_row + 1)]
    assert {c.number_format for c in p50 if c.value is not None} == {"mm/yyyy"}
    summary = __import__("json").loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert "pop_covered_5g_pct_2026_12" in summary["kpis"]  # identifiers unchanged
    assert "stations_5g" in pl.read_parquet(tmp_path / "out" / "metrics.parquet")["metric"].unique().to_list()
    # the data sources in the run's language: a Vietnamese report listed them in English
    names = [d["name"] for d in summary["data_sources"]]
    english = [n for n in names if re.search(r"\b(the|of|and|with|from|per)\b", n)]
    assert not english, english
    generated = next(n for n in names if "thôn, bản vùng sâu ngoài các thôn, bản có tên" in n)
    assert generated.startswith("577 ") and "485 có điện lưới" in generated
    about = [
        c.value
        for row in openpyxl.load_workbook(tmp_path / "out" / "results.xlsx")["About"].iter_rows()
        for c in row
    ]
    assert generated in about
    # `dxsim report DIR` / `map DIR` without --lang write the run's language: a Vietnamese run's report was rebuilt in
    # English in place of its own (new-user trial, 2026-12-07); --lang still decides, and the run keeps its language
    plain = {k: v for k, v in os.environ.items() if k != "DXSIM_LANG"}
    for command, page in (("report", "report.html"), ("map", "map.html")):
        r = dxsim_cmd(command, str(tmp_path / "out"), env=plain)
        assert r.returncode == 0 and r.stdout.startswith("đã ghi"), r.stdout + r.stderr
        assert '<html lang="vi"' in (tmp_path / "out" / page).read_text(encoding="utf-8")[:300]
    r = dxsim_cmd("report", str(tmp_path / "out"), "--lang", "en", env=plain)
    assert r.returncode == 0 and '<html lang="en"' in (tmp_path / "out" / "report.html").read_text(
        encoding="utf-8"
    )
    r = dxsim_cmd("map", str(tmp_path / "out"), env=plain)
    assert '<html lang="vi"' in (tmp_path / "out" / "map.html").read_text(encoding="utf-8")[:300]


def test_numbers_round_as_python_formats_them() -> None:
    """Babel gets the float's exact value, so ties in the shortest decimal round as f-strings do."""
    for lang in ("en", "vi"):
        set_language(lang)
        for v in (0.05, 610.45, 2.675, 0.125, 1074.75, -0.35, 16737.5):
            for d in (0, 1, 2):
                want = format(v, f",.{d}f")
                if lang == "vi":
                    want = want.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
                assert F.number(v, d) == want, (lang, v, d)


def test_durations_pick_their_unit_at_each_boundary() -> None:
    """F.duration, the one formatter of run times and estimates: tenths under 10 s, whole seconds to 2 min, minutes
    to 2 h, hours (one decimal) to 3 days, then days; in Vietnamese the units and the decimal mark are its own."""
    set_language("en")
    cases = {
        0.25: "0.2 s",  # a tie rounds to even, as f"{0.25:.1f}" does
        9.94: "9.9 s",
        10.0: "10 s",
        119.4: "119 s",
        120.0: "2 min",
        7199.0: "120 min",
        7200.0: "2.0 h",
        3 * 86400 - 1: "72.0 h",
        3 * 86400: "3 days",
        1000 * 86400: "1,000 days",
    }
    for seconds, want in cases.items():
        assert F.duration(seconds) == want, (seconds, F.duration(seconds))
    set_language("vi")
    assert (F.duration(0.3), F.duration(150.0), F.duration(9000.0)) == ("0,3 giây", "2 phút", "2,5 giờ")
    set_language("en")


def _bad_input_line(r: subprocess.CompletedProcess[str], *parts: str) -> str:
    """Exit 2 and one line on stderr, no traceback, naming every part (conftest.one_line_error)."""
    from conftest import one_line_error

    assert r.returncode == 2, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    return one_line_error(r.stderr, r.stdout, *parts)


def test_optimise_bad_key_error_in_vietnamese(tmp_path: Path) -> None:
    """`dxsim optimise --lang vi` with a misspelt key: the one line in Vietnamese names the file, the key, the
    suggestion and what is allowed; without --lang the same line stays English, word for word."""
    from conftest import dxsim_cmd

    opt = tmp_path / "opt.toml"
    opt.write_text(
        f'base = "{PACKAGE.parent / "scenarios" / "baseline.toml"}"\nname = "o"\nmax_evalz = 3\n',
        encoding="utf-8",
    )
    vi = _bad_input_line(
        dxsim_cmd("optimise", str(opt), "--lang", "vi"),
        "lỗi: ",
        f"{opt}: max_evalz: ",
        "khóa không xác định 'max_evalz'",
        "có phải ý bạn là 'max_evals'?",
        "(cho phép: base, name, seed, reps, max_evals",
    )
    assert "unknown" not in vi and "allowed" not in vi
    _bad_input_line(
        dxsim_cmd("optimise", str(opt)),
        f"error: {opt}: max_evalz: unknown key 'max_evalz'; did you mean 'max_evals'? (allowed: base, ",
    )


def test_compare_and_folder_errors_in_vietnamese(tmp_path: Path) -> None:
    """Bad input to compare / discover / map with --lang vi: one Vietnamese line (file, field, value, allowed)."""
    from conftest import dxsim_cmd

    base = PACKAGE.parent / "scenarios" / "baseline.toml"
    a, b, c = (tmp_path / f"{x}.toml" for x in "abc")
    for f, name in ((a, "a"), (b, "a"), (c, "c")):
        f.write_text(f'extends = "{base}"\nname = "{name}"\n', encoding="utf-8")
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("a planner's own file\n", encoding="utf-8")
    # two scenarios with the same name: the second file, the field and the value are named
    _bad_input_line(
        dxsim_cmd("compare", str(a), str(b), "--reps", "1", "--out", str(tmp_path / "cmp"), "--lang", "vi"),
        f"lỗi: {b}: name = 'a': hai kịch bản cùng tên 'a' ({a}, {b}); các cột cần tên khác nhau",
        "(cho phép: mỗi kịch bản được so sánh có một tên riêng)",
    )
    # --out into a folder holding a user's file: refused before anything runs
    _bad_input_line(
        dxsim_cmd("compare", str(a), str(c), "--reps", "1", "--out", str(user), "--lang", "vi"),
        f"lỗi: --out = '{user}': chứa các tệp không do dxsim ghi",
        "(cho phép: một thư mục mới, một thư mục trống, hoặc một thư mục do dxsim ghi trước đó; "
        "hãy chọn --out khác)",
    )
    assert (user / "notes.txt").is_file()
    # a sweep folder that does not exist
    _bad_input_line(
        dxsim_cmd("discover", str(tmp_path / "nosuch"), "--kpi", "x", "--fails", "< 90", "--lang", "vi"),
        f"lỗi: SWEEP_OUT = '{tmp_path / 'nosuch'}': không có thư mục này",
        "(cho phép: thư mục kết quả của `dxsim sweep` (outputs/sweeps/NAME))",
    )
    # a folder that is not a run's output
    line = _bad_input_line(
        dxsim_cmd("map", str(user), "--lang", "vi"),
        f"lỗi: {user}: không phải thư mục kết quả của dxsim: không chứa tệp nào trong số "
        "summary.json, metrics.parquet",
        "(cho phép: một thư mục do `dxsim run SCENARIO --out DIR`",
    )
    assert "not a dxsim" not in line
    # English unchanged
    _bad_input_line(
        dxsim_cmd("map", str(user)),
        f"error: {user}: not a dxsim result folder: it holds none of summary.json, metrics.parquet",
        "(allowed: a folder written by `dxsim run SCENARIO --out DIR` (default outputs/<name>/))",
    )


def test_help_in_vietnamese() -> None:
    """`--help` in the chosen language, from --lang anywhere or DXSIM_LANG: typer reads the help texts at import, so
    main() translates the command tree it builds after set_language (dxsim.cli.main.localise_help)."""
    from conftest import dxsim_cmd

    r = dxsim_cmd("--lang", "vi", "run", "--help", env={"COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    assert "Chạy (các) kịch bản và ghi outputs/<name>/" in r.stdout and "Số lần lặp (mặc định" in r.stdout
    assert "Tùy chọn" in r.stdout and "[bắt buộc]" in r.stdout and "Hiện hướng dẫn này rồi thoát." in r.stdout
    assert "Number of replications" not in r.stdout and "Show this message" not in r.stdout
    r = dxsim_cmd("--help", env={"DXSIM_LANG": "vi", "COLUMNS": "200"})
    assert r.returncode == 0 and "Lệnh" in r.stdout and "Hiện dữ liệu địa lý đang dùng" in r.stdout
    r = dxsim_cmd("calibration", "--help", "--lang=vi", env={"COLUMNS": "200"})
    assert (
        "thoát với mã 1 nếu có điểm nằm ngoài dung sai" in r.stdout
        and "[mặc định: outputs/calibration]" in r.stdout
    )
    r = dxsim_cmd("run", "--help", env={"DXSIM_LANG": "en", "COLUMNS": "200"})  # English as written
    assert (
        "Number of replications (default: the scenario's" in r.stdout
        and "Options" in r.stdout
        and "Show this message and exit." in r.stdout
    )
    assert "(needs dxsim[cluster])" in r.stdout  # rich markup no longer eats the brackets


def test_every_help_text_is_translated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each command's and option's help (and typer's own --help line) has a Vietnamese text."""
    import typer
    from typer import rich_utils
    from typer._click.core import Context

    from dxsim.cli.main import _TYPER_HELP_TEXTS, app, localise_help

    for name in _TYPER_HELP_TEXTS:  # localise_help sets typer's panel titles: undone after the test
        monkeypatch.setattr(rich_utils, name, getattr(rich_utils, name))

    def texts(lang: str) -> dict[tuple[str, str], str]:
        set_language(lang)
        group = localise_help(typer.main.get_command(app))
        found = {("dxsim", ""): group.help}
        ctx = Context(group, info_name="dxsim")
        for p in group.get_params(ctx):
            found[("dxsim", p.name)] = p.help
        for name, cmd in group.commands.items():
            found[(name, "")] = cmd.help
            for p in cmd.get_params(Context(cmd, info_name=name, parent=ctx)):
                found[(name, p.name)] = p.help
        return found

    en, vi = texts("en"), texts("vi")
    assert en.keys() == vi.keys() and len(en) > 60 and all(en.values())
    assert [k for k in en if en[k] == vi[k]] == []
    assert rich_utils.OPTIONS_PANEL_TITLE == "Tùy chọn"


def test_every_field_unit_is_translated(tmp_path: Path) -> None:
    """Each unit a scenario field declares has a Vietnamese "unit" entry, and a range error under --lang vi says it
    in Vietnamese (it said "một số từ 0 đến 50 VND bn per station"); English stays as the schema writes it."""
    import json

    from conftest import dxsim_cmd

    from dxsim.scenario.docs import leaf_fields, unit_text
    from dxsim.scenario.schema import Scenario

    with open(catalog_path("vi"), "rb") as f:
        cat = read_po(f, locale="vi")
    vi = {m.id: m.string for m in cat if m.context == "unit" and m.id}
    declared = {
        json.loads(f'"{u}"')
        for u in re.findall(r'"x-unit": "((?:[^"\\]|\\.)*)"', json.dumps(Scenario.model_json_schema()))
    }
    declared |= {leaf.unit for leaf in leaf_fields() if leaf.unit}
    assert len(declared) > 100 and "VND bn per station" in declared
    assert not sorted(u for u in declared if not vi.get(u)), "units without a Vietnamese entry"
    set_language("vi")
    assert unit_text("team-days per site", translated=True) == "ngày-đội mỗi trạm"
    assert unit_text("team-days per site") == "team-days per site"  # the loader's English form
    f = tmp_path / "x.toml"
    f.write_text(
        f'extends = "{PACKAGE.parent / "scenarios" / "baseline.toml"}"\nname = "x"\n'
        '[[supports]]\nname = "rural"\nper_site_vnd_bn = 99\n',
        encoding="utf-8",
    )
    r = dxsim_cmd("validate", str(f), "--lang", "vi")
    assert r.returncode == 2 and r.stderr.strip().endswith(
        "(cho phép: một số từ 0 đến 50 tỷ đồng mỗi trạm)"
    ), r.stderr
    r = dxsim_cmd("validate", str(f), "--lang", "en")
    assert r.returncode == 2 and r.stderr.strip().endswith(
        "(allowed: a number between 0 and 50 VND bn per station)"
    )


def test_schema_markdown_in_vietnamese() -> None:
    """`dxsim schema --markdown --lang vi`: headings, types and ranges in Vietnamese; paths and TOML defaults as
    written. The loader's English sentences keep the English words (type_text/range_text default)."""
    from dxsim.scenario.docs import ROOT, range_text, schema_markdown, step, type_text

    set_language("vi")
    md = schema_markdown()
    assert md.startswith("| Trường | Kiểu | Đơn vị | Mặc định | Phạm vi | Mô tả | Nguồn |")
    seed = next(line for line in md.splitlines() if line.startswith("| `seed` |"))
    assert "| số nguyên |" in seed and "| 20251031 | từ 0 đến 4294967295 |" in seed
    assert "| `name` | văn bản |  | (bắt buộc) |" in md
    seed_shape = step(ROOT, "seed").shape  # type: ignore[union-attr]
    assert type_text(seed_shape) == "an integer" and range_text(seed_shape) == "between 0 and 4294967295"
    set_language("en")
    assert schema_markdown().startswith("| Field | Type | Unit | Default | Range | Description | Source |")


def test_every_unit_of_the_run_s_tables_is_shown_in_vietnamese(cli_baseline: Path) -> None:
    """The Vietnamese report's calibration table said "USD per GPU" in English: a unit unknown to UNITS is shown as
    written. Every unit of the calibration and plans tables the run wrote is known and has a Vietnamese entry."""
    import csv

    from dxsim.results.value_labels import UNITS

    with open(catalog_path("vi"), "rb") as f:
        cat = read_po(f, locale="vi")
    vi = {m.id: m.string for m in cat if m.id and not m.context}
    with open(cli_baseline / "calibration.csv", encoding="utf-8") as f:
        units = {r["unit"] for r in csv.DictReader(f) if r["unit"]}
    assert "USD per GPU" in units and "% of population" in units
    assert not sorted(u for u in units if u not in UNITS), "units the report shows as written"
    assert not sorted(u for u in units if u != "%" and not vi.get(u)), "units without a Vietnamese entry"


def test_calibration_in_vietnamese(tmp_path: Path, cli_baseline: Path) -> None:
    """`dxsim calibration --lang vi`: headings, figure names, kinds and status words in Vietnamese, numbers and days
    as 16.737 / 39,52 / 31/10/2025; calibration.csv keeps the English figure names and machine numbers."""
    import polars as pl
    from conftest import dxsim_cmd

    r = dxsim_cmd("calibration", "--lang", "vi", "--out", str(tmp_path / "cal"), env={"COLUMNS": "250"})
    assert r.returncode == 0, r.stderr
    assert "Hiệu chỉnh: mô hình so với số báo cáo (baseline)" in r.stdout
    head = next(line for line in r.stdout.splitlines() if "số liệu" in line and "dung sai" in line)
    assert "số báo cáo" in head and "mô hình" in head and "trạng thái" in head
    row = next(
        line
        for line in r.stdout.splitlines()
        if "Tỷ lệ dân số được phủ sóng 5G với 16.737 trạm 5G (tháng 10/2025)" in line
    )
    assert "39,52" in row and "±1,50" in row and "đã hiệu chỉnh" in row  # fitted, said in Vietnamese
    assert "Trạng thái đã hiệu chỉnh / đầu vào: mô hình khớp các số liệu này do cách xây dựng" in r.stdout
    assert "Số liệu báo cáo (geodata/observations.csv) bên cạnh mô hình (baseline)" in r.stdout
    obs = next(line for line in r.stdout.splitlines() if "31/10/2025" in line and "stations_5g " in line)
    assert (
        "quan sát" in obs and "16.737 ± 0" in obs and "thời điểm đầu" in obs
    )  # the start state, in Vietnamese
    assert r.stdout.rstrip().endswith(f"nguồn và bảng đầy đủ: {tmp_path / 'cal'}/calibration.md")
    md = (tmp_path / "cal" / "calibration.md").read_text(encoding="utf-8")
    assert md.startswith("| số liệu | số báo cáo | mô hình | đơn vị | dung sai | trạng thái | nguồn |")
    cal = pl.read_csv(tmp_path / "cal" / "calibration.csv")  # data: English identifiers, machine numbers
    assert cal["figure"][0] == "5G population coverage with 16,737 stations (2025-10)"
    # ... and each figure's name in the run's language, which report.html shows
    assert cal["label_vi"][0] == "Tỷ lệ dân số được phủ sóng 5G với 16.737 trạm 5G (tháng 10/2025)"
    # ... as the last column: every other column stands where it does in an English run's file (a script reading
    # `reported` as the second column read the Vietnamese names)
    english = pl.read_csv(cli_baseline / "calibration.csv")
    assert "label_vi" not in english.columns and cal.columns == [*english.columns, "label_vi"]
    assert set(cal["status"].to_list()) <= {"pass", "FAIL", "info", "fitted", "input"}
    assert cal["reported"][0] == 39.52 and cal["status"][0] == "fitted"


def test_sweep_in_vietnamese(tmp_path: Path) -> None:
    """`dxsim sweep --lang vi` (4 runs of a short base): the drivers table, drivers.md and the errors in Vietnamese;
    run again in English (every run reused) the same folder's drivers.md is English, word for word as before."""
    from conftest import dxsim_cmd

    base = tmp_path / "short.toml"
    base.write_text(
        f'extends = "{PACKAGE.parent / "scenarios" / "baseline.toml"}"\nname = "short"\n'
        "[horizon]\nend_date = 2026-12-31\n",
        encoding="utf-8",
    )
    sweep = (
        'base = "short.toml"\nmethod = "lhs"\nsamples = 4\nseed = 11\nreps_per_run = 1\n'
        'kpis = ["pop_covered_5g_pct_2026_12", "year_5g_pop_99pct"]\n'
        '[[parameters]]\npath = "supply.deliveries_per_month"\nlow = 500\nhigh = 3000\n'
        '[[parameters]]\npath = "crews.north.teams"\nlow = 20\nhigh = 300\n'
    )
    f = tmp_path / "s.toml"
    f.write_text(sweep, encoding="utf-8")
    out = tmp_path / "out"
    r = dxsim_cmd(
        "sweep", str(f), "--workers", "0", "--out", str(out), "--lang", "vi", env={"COLUMNS": "200"}
    )
    assert r.returncode == 0, r.stderr
    assert (
        "Đợt quét s: lhs, 4 lần chạy x 1 lần lặp; yếu tố tác động đến từng chỉ tiêu (rho, khoảng tin cậy 95%)"
        in r.stdout
    )
    assert "┃ Chỉ tiêu" in r.stdout and "supply.deliveries_per_month" in r.stdout  # identifiers stay English
    assert "không xác định ở 4 trong 4 lần chạy" in r.stdout and "KPI" not in r.stdout
    md = (out / "drivers.md").read_text(encoding="utf-8")
    assert md.startswith("# Đợt quét s: yếu tố tác động đến từng chỉ tiêu\n")
    assert "| Chỉ tiêu | tham số | rho |" in md and "khoảng phân vị 95% (100 lần lấy mẫu lại bootstrap)" in md
    r = dxsim_cmd("sweep", str(f), "--workers", "0", "--out", str(out), env={"COLUMNS": "200"})
    assert r.returncode == 0 and "0 runs executed, 4 reused" in r.stdout, r.stderr
    assert "what moves each KPI (rho, 95% CI)" in r.stdout
    md = (out / "drivers.md").read_text(encoding="utf-8")
    assert md.startswith("# Sweep s: what moves each KPI\n") and "| KPI | parameter | rho |" in md
    # the 99% date: coverage still rises at the horizon's end, so the note gives a lower bound on the years its pace
    # needs beyond the horizon (new-user trial: the runs are judged one by one)
    assert (
        "undefined in 4 of 4 runs (a date not reached within the horizon): no indices; of those runs, " in md
    )
    assert re.search(
        r"4 of the 4 still rise [0-9.–]+ points a year from [0-9.–]+%: at that pace 99% is at least [0-9.]+ years "
        r"beyond the horizon, likely more as growth slows; extend the horizon",
        md,
    ), md
    # a bad range: one line in Vietnamese; English unchanged
    f.write_text(sweep.replace("low = 500\nhigh = 3000", "low = 3000\nhigh = 500"), encoding="utf-8")
    _bad_input_line(
        dxsim_cmd("sweep", str(f), "--workers", "0", "--out", str(out), "--lang", "vi"),
        f"lỗi: {f}: parameters[1] = 'supply.deliveries_per_month': low (3000) phải nhỏ hơn high (500) "
        "(cho phép: low < high)",
    )
    _bad_input_line(
        dxsim_cmd("sweep", str(f), "--workers", "0", "--out", str(out)),
        f"error: {f}: parameters[1] = 'supply.deliveries_per_month': low (3000) must be below high (500) "
        "(allowed: low < high)",
    )


def test_backtest_report_in_vietnamese(tmp_path: Path) -> None:
    """`dxsim backtest --lang vi`: report.html is a Vietnamese page (lang="vi", headings, table headers, days as
    31/05/2025); backtest.csv keeps the English statuses and notes."""
    import polars as pl
    from conftest import BASELINE, dxsim_cmd

    out = tmp_path / "bt"
    r = dxsim_cmd(
        "backtest", str(BASELINE), "--from", "2025-05-31", "--reps", "1", "--out", str(out), "--lang", "vi"
    )
    assert r.returncode in (0, 1), r.stderr  # 1: a figure outside a one-replication band
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="vi">' in page and "<h1>Kiểm định ngược: baseline từ 31/05/2025</h1>" in page
    for text in (
        "<h2>Trạng thái đầu đã dùng</h2>",
        "<h2>Số báo cáo bên cạnh mô hình</h2>",
        "<h2>Biểu đồ</h2>",
        "<th>trường</th>",
        "<th>trạng thái</th>",
        "<th>ghi chú, nguồn</th>",
        "Quy tắc: số liệu quan sát đạt",
        "dùng làm trạng thái đầu",
        "Do dxsim ",
    ):
        assert text in page, text
    for text in (
        "Start state used",
        "Reported beside the model",
        "<th>status</th>",
        "used as the start state",
    ):
        assert text not in page, text
    table = pl.read_csv(out / "backtest.csv")
    assert "used as the start state" in table["note"].to_list()
    assert set(table["status"].to_list()) <= {"pass", "FAIL", "info", "input", "start", "fitted", "n/a"}


def test_show_comments_and_wrong_type_in_vietnamese(tmp_path: Path) -> None:
    """`dxsim show --lang vi`: the comments in Vietnamese, keys and values as in English; a wrong type is one
    Vietnamese sentence ("sai kiểu: không phải văn bản"), English unchanged."""
    import tomllib

    from conftest import dxsim_cmd

    base = PACKAGE.parent / "scenarios" / "baseline.toml"
    vi, en = dxsim_cmd("show", str(base), "--lang", "vi"), dxsim_cmd("show", str(base))
    assert vi.returncode == 0 and en.returncode == 0, vi.stderr + en.stderr
    assert vi.stdout.startswith("# Kịch bản đã phân giải baseline: mọi trường sau khi áp dụng `extends`")
    assert "# Tạo từ (tệp gốc trước):" in vi.stdout and "= (chưa đặt)" in vi.stdout
    assert en.stdout.startswith(
        "# Resolved scenario baseline: every field after `extends` and the defaults,\n# written by dxsim "
    )
    assert "# Made from (base first):" in en.stdout and "= (not set)" in en.stdout
    assert tomllib.loads(vi.stdout) == tomllib.loads(en.stdout)
    assert [x for x in vi.stdout.splitlines() if not x.startswith("#")] == [
        x for x in en.stdout.splitlines() if not x.startswith("#")
    ]
    f = tmp_path / "x.toml"
    f.write_text(f'extends = "{base}"\nname = "x"\ndescription = 3\n', encoding="utf-8")
    line = _bad_input_line(
        dxsim_cmd("validate", str(f), "--lang", "vi"),
        f'lỗi: {f}: description = 3: sai kiểu: không phải văn bản; hãy viết trong dấu ngoặc kép: "3" (cho phép: văn bản ',
    )
    assert "wrong type" not in line and "not text" not in line
    _bad_input_line(
        dxsim_cmd("validate", str(f)),
        f'error: {f}: description = 3: wrong type: not text; write it in quotes: "3" (allowed: text ',
    )


REPO_ROOT = Path(__file__).resolve().parents[1]
BASELINE = REPO_ROOT / "scenarios" / "baseline.toml"
DXSIM = [sys.executable, "-m", "dxsim.cli.main"]


def test_scenario_language_is_the_default(tmp_path: Path) -> None:
    """`language = "vi"` in a scenario (or a file it extends) makes its outputs Vietnamese unless --lang or
    DXSIM_LANG says otherwise; an unknown language is bad input like any other field."""
    parent = tmp_path / "vi.toml"
    parent.write_text(
        f'extends = "{BASELINE.as_posix()}"\nname = "vi-opt"\nlanguage = "vi"\n', encoding="utf-8"
    )
    child = tmp_path / "child.toml"
    child.write_text('extends = "vi.toml"\nname = "child"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "DXSIM_LANG"}
    env.setdefault("DXSIM_RAW_DATA", str((REPO_ROOT.parent / "shared" / "geodata").resolve()))
    for f in (parent, child):
        r = subprocess.run(
            [*DXSIM, "validate", str(f)], capture_output=True, text=True, env=env, cwd=tmp_path
        )
        assert r.returncode == 0 and "hợp lệ" in r.stdout, r.stdout + r.stderr
    r = subprocess.run(
        [*DXSIM, "validate", str(parent), "--lang", "en"], capture_output=True, text=True, env=env
    )
    assert r.returncode == 0 and "ok (vi-opt)" in r.stdout and "hợp lệ" not in r.stdout
    r = subprocess.run(
        [*DXSIM, "validate", str(parent)], capture_output=True, text=True, env={**env, "DXSIM_LANG": "en"}
    )
    assert r.returncode == 0 and "hợp lệ" not in r.stdout
    bad = tmp_path / "fr.toml"
    bad.write_text('name = "x"\nlanguage = "fr"\n', encoding="utf-8")
    r = subprocess.run([*DXSIM, "validate", str(bad)], capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "language = 'fr'" in r.stderr and "vi, en" in r.stderr
    # only the first file decides: an option's `language = "vi"` turned a whole English comparison Vietnamese
    from dxsim.cli.main import scenario_language

    assert scenario_language([str(BASELINE), str(parent)]) is None
    assert scenario_language([str(child), str(BASELINE)]) == "vi"


def test_planner_file_shape_errors_in_vietnamese(tmp_path: Path) -> None:
    """A village or site file that is not the shape dxsim reads (semicolons, a column twice, a village twice, not a
    FeatureCollection) was refused in English under --lang vi: only its values were translated. A file separated by
    vertical bars is refused; one with semicolons (Excel in the vi-VN locale) is read, with a note in Vietnamese."""
    from conftest import dxsim_cmd

    base = PACKAGE.parent / "scenarios" / "baseline.toml"
    semi = tmp_path / "semi.csv"
    semi.write_text("name;lon;lat;gso34;population\nBản Á;105,0;22,0;08;100\n", encoding="utf-8")
    twice = tmp_path / "twice.csv"
    twice.write_text("name,lon,lat,gso34,population,Name\nBản Á,105.0,22.0,08,100,x\n", encoding="utf-8")
    dup = tmp_path / "dup.csv"
    dup.write_text(
        "name,lon,lat,gso34,population\nBản Á,105.0,22.0,08,100\nBản Á,105.0,22.0,08,100\n", encoding="utf-8"
    )
    notfc = tmp_path / "v.geojson"
    notfc.write_text('{"type": "Feature", "geometry": null}', encoding="utf-8")
    sites = tmp_path / "sites.csv"
    sites.write_text("lon|lat|operator\n105.8|21.0|viettel\n", encoding="utf-8")
    cases = [  # (scenario body, Vietnamese words, the English words they replace)
        (f'[villages.layer]\nfile = "{twice}"\n', "chỉ khác nhau về chữ hoa", "differ only by case"),
        (f'[villages.layer]\nfile = "{dup}"\n', "bị tính hai lần", "a village counted twice"),
        (f'[villages.layer]\nfile = "{notfc}"\n', "không phải GeoJSON FeatureCollection", "not a GeoJSON"),
        (f'[sites]\nfile = "{sites}"\n', "phân tách bằng dấu gạch đứng", "separated by vertical bars"),
    ]
    for i, (body, vi_words, en_words) in enumerate(cases):
        f = tmp_path / f"s{i}.toml"
        f.write_text(f'extends = "{base}"\nname = "s{i}"\n{body}', encoding="utf-8")
        vi = dxsim_cmd("validate", str(f), "--lang", "vi")
        assert vi.returncode == 2 and len(vi.stderr.strip().splitlines()) == 1, vi.stderr
        assert vi.stderr.startswith("lỗi: ") and vi_words in vi.stderr and en_words not in vi.stderr, (
            vi.stderr
        )
        en = dxsim_cmd("validate", str(f), "--lang", "en")
        assert en.returncode == 2 and en_words in en.stderr, en.stderr
    # semicolons and decimal commas: read, and said so in the run's language (the village is in Tuyên Quang)
    f = tmp_path / "semi.toml"
    f.write_text(f'extends = "{base}"\nname = "semi"\n[villages.layer]\nfile = "{semi}"\n', encoding="utf-8")
    vi = dxsim_cmd("validate", str(f), "--lang", "vi")
    assert vi.returncode == 0, vi.stderr
    assert "được phân tách bằng dấu chấm phẩy" in vi.stdout and "separated by" not in vi.stdout, vi.stdout


def test_no_message_is_in_the_catalogue_twice() -> None:
    """Two entries of one (context, msgid) leave one translation unused, silently (Babel keeps the last): two appeared
    when plan labels were added beside the existing ones. Read from the file as written, not through Babel."""
    import collections
    import re

    text = catalog_path("vi").read_text(encoding="utf-8")
    keys = re.findall(r'(?:msgctxt "((?:[^"\\]|\\.)*)"\n)?msgid "((?:[^"\\]|\\.)*)"\n', text)
    twice = [k for k, n in collections.Counter(keys).items() if n > 1 and k != ("", "")]
    assert not twice
