"""Vietnamese and English (issue 15): every message in both languages, CLDR formats, the glossary."""

from __future__ import annotations

import csv
import datetime as dt
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
    for _file, _line, msg, _comments, _ctx in extract_from_dir(str(PACKAGE), keywords=KEYWORDS,
                                                                 method_map=[("**.py", "python")]):
        out.update([msg] if isinstance(msg, str) else [m for m in msg if m])
    return out


@pytest.fixture(autouse=True)
def english_after() -> None:  # type: ignore[misc]
    yield
    set_language(None)


def test_every_message_has_both_languages() -> None:
    with open(catalog_path("vi"), "rb") as f:
        cat = read_po(f, locale="vi")
    vi = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in cat if m.id}
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


@pytest.mark.parametrize("lang, num, pct, day, mon, bn, tn", [
    ("vi", "1.074,75", "39,52%", "31/12/2025", "tháng 12/2025", "1.250 tỷ đồng", "12,7 nghìn tỷ đồng"),
    ("en", "1,074.75", "39.52%", "31/12/2025", "2025-12", "1,250 bn VND", "12.7 tn VND"),
])
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
    assert {"trạm 5G", "phủ sóng", "thôn, bản", "vùng lõm sóng", "điểm lõm sóng", "trung tâm dữ liệu",
            "công suất", "Nghị quyết 193/2025/QH15"} <= {r["vi"] for r in rows}
    assert all(r["en"] and r["vi"] and r["source"] for r in rows)
    assert LANGS == ("en", "vi")


def test_bad_input_in_vietnamese_names_file_field_value_and_allowed(tmp_path: Path) -> None:
    from conftest import dxsim_cmd

    f = tmp_path / "x.toml"
    f.write_text(f'extends = "{PACKAGE.parent / "scenarios" / "baseline.toml"}"\nname = "x"\ncrewz = 3\n', encoding="utf-8")
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


def test_compare_markdown_in_vietnamese(tmp_path: Path) -> None:
    """compare.md in Vietnamese: labels, units and numbers as the reports write them; identifiers stay English."""
    import polars as pl

    from conftest import dxsim_cmd

    base = tmp_path / "a.toml"
    base.write_text(f'extends = "{PACKAGE.parent / "scenarios" / "baseline.toml"}"\nname = "a"\n'
                    '[horizon]\nend_date = 2026-12-31\n', encoding="utf-8")
    opt = tmp_path / "b.toml"
    opt.write_text('extends = "a.toml"\nname = "b"\n[supply]\ndeliveries_per_month = 2000\n', encoding="utf-8")
    r = dxsim_cmd("compare", str(base), str(opt), "--reps", "1", "--out", str(tmp_path / "cmp"), "--lang", "vi")
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


@pytest.mark.parametrize("lang, source, expect", [
    ("vi", "000:56 MoST report on the National DT Programme results to 2025, ~Nov 2025",
     "Báo cáo của Bộ KH&CN về kết quả Chương trình Chuyển đổi số quốc gia, 11/2025"),
    ("vi", "MoST report 000:56 (../shared/seeds/000_e1415d1b035d2da9.txt)",
     "Báo cáo của Bộ KH&CN về kết quả Chương trình Chuyển đổi số quốc gia, 11/2025"),
    ("en", "004:291-293 MoST report 'Chuyển đổi số quốc gia tháng 3 năm 2025', 03/2025",
     "MoST report on national digital transformation, March 2025"),
    ("vi", "GSO release 2025-01-06", "GSO release 2025-01-06"),  # not a seed: kept as written
])
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
    sc.write_text(f'extends = "{PACKAGE.parent / "scenarios" / "baseline.toml"}"\nname = "a"\n'
                  '[horizon]\nend_date = 2026-12-31\n', encoding="utf-8")
    r = dxsim_cmd("run", str(sc), "--lang", "vi", "--no-map", "--no-report", "--out", str(tmp_path / "out"),
                  env={"COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    assert "Chỉ tiêu" in r.stdout and "Số trạm 5G, cuối kỳ" in r.stdout and "tháng 12/2026" in r.stdout
    row = next(line for line in r.stdout.splitlines() if "Số trạm 5G, cuối kỳ" in line)
    assert re.search(r"\b\d{1,3}\.\d{3}\b", row)  # thousands grouped with '.'
    cov = next(line for line in r.stdout.splitlines() if "Tỷ lệ dân số được phủ sóng 5G, cuối kỳ" in line)
    assert re.search(r"\b\d{1,3},\d{2}\b", cov)  # decimal comma
    assert r.stdout.rstrip().endswith(f"đã ghi {tmp_path / 'out'}/")
    book = fastexcel.read_excel(tmp_path / "out" / "results.xlsx")
    assert book.sheet_names[:3] == ["About", "KPIs", "Provinces by year"]  # sheet names stay (scripts use them)
    prov = book.load_sheet_by_name("Provinces by year").to_polars()
    assert prov.columns[:4] == ["Mã tỉnh", "Tỉnh", "Cuối năm", "Số trạm 5G"]
    villages = book.load_sheet_by_name("Villages").to_polars()
    assert villages.columns[0] == "Mã thôn, bản"
    summary = __import__("json").loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert "pop_covered_5g_pct_2026_12" in summary["kpis"]  # identifiers unchanged
    assert "stations_5g" in pl.read_parquet(tmp_path / "out" / "metrics.parquet")["metric"].unique().to_list()


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
