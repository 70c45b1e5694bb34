"""report.html in Vietnamese (issue 15): written by the real `dxsim run ... --lang vi`, opened in Chromium.

One short run (baseline to 2026-12-31, 1 replication, no map, ~10 s) feeds every test. The page must say
`<html lang="vi">`, read in Vietnamese with its diacritics intact in the browser's DOM, format numbers the
Vietnamese way (1.074,75; tỷ đồng; tháng 12/2026; 31/12/2026), cite the seed reports by title, and keep
its identifiers (KPI keys, file names) in English. `DXSIM_LANG=vi dxsim report` rebuilds the same page;
without it the same folder gives the English report. A full-page screenshot is saved to
outputs/test-screenshots/report-vi.png.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from conftest import BASELINE, CHROMIUM, REPO, dxsim_cmd

SCREENSHOTS = REPO / "outputs" / "test-screenshots"
VI_NUMBER = re.compile(r"\d,\d")  # a Vietnamese decimal mark
ENGLISH_HEADINGS = (
    "Scenario and provenance",
    "Key results",
    "Remote villages",
    "Data sources and licences",
    "Calibration",
    "Synthetic data",
)


@pytest.fixture(scope="module")
def vi_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`dxsim run short.toml --lang vi --reps 1 --no-map --out DIR`: the folder as the command wrote it."""
    d = tmp_path_factory.mktemp("report-vi")
    scenario = d / "short.toml"
    scenario.write_text(
        f'extends = "{BASELINE}"\nname = "baseline-short"\n[horizon]\nend_date = 2026-12-31\n',
        encoding="utf-8",
    )
    out = d / "run"
    r = dxsim_cmd(
        "run",
        str(scenario),
        "--lang",
        "vi",
        "--reps",
        "1",
        "--no-map",
        "--out",
        str(out),
        env={"COLUMNS": "200"},
    )
    assert r.returncode == 0, r.stderr
    assert "missing from font" not in r.stderr  # every Vietnamese glyph of the charts is in DejaVu Sans
    return out


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def visible(page: str) -> str:
    """The page's text without tags (attribute values such as tooltips and alt text left out)."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_vietnamese_page_from_the_run_command(vi_run: Path) -> None:
    page = read(vi_run / "report.html")
    assert '<html lang="vi">' in page
    text = visible(page)
    for phrase in (
        "Báo cáo dxsim: baseline-short",
        "Kịch bản và nguồn gốc",
        "Kết quả chính",
        "Triển khai 5G",
        "Thôn, bản vùng sâu, vùng xa",
        "Trung tâm dữ liệu và GPU",
        "Hiệu chỉnh",
        "Nguồn dữ liệu và giấy phép",
        "Tỷ lệ dân số được phủ sóng 5G",
        "Vốn đầu tư 5G trong kỳ (tỷ đồng)",
        "Dữ liệu giả lập",
        "giá trị khởi tạo",
        "1 lần lặp",
        "tháng 12/2026",
    ):
        assert phrase in text, phrase
    for english in ENGLISH_HEADINGS:
        assert english not in text, english
    assert VI_NUMBER.search(text)
    # identifiers stay English: KPI keys, file names
    assert "<code>capex_total_vnd_bn</code>" in page and "summary.json" in text
    # the horizon as days in the Vietnamese form
    assert "31/12/2026" in text


def test_village_reasons_in_vietnamese(vi_run: Path) -> None:
    """villages.parquet as the run wrote it: each village's reason in Vietnamese (the prepared world holds every
    language's, so a Vietnamese run reuses the English run's stored world and still writes its own)."""
    import polars as pl

    reasons = pl.read_parquet(vi_run / "villages.parquet")["reason"].to_list()
    assert reasons and all(r for r in reasons)
    assert not [
        r for r in reasons if r.startswith(("grid first", "has grid power", "least NPV", "no feasible"))
    ]
    assert sum("điện lưới" in r or "lưới điện" in r for r in reasons) > len(reasons) / 2


def test_vietnamese_numbers_are_the_summary_values(vi_run: Path) -> None:
    """A KPI cell holds the summary value in the Vietnamese format: '.' groups thousands, ',' marks decimals."""
    import json

    page = read(vi_run / "report.html")
    kpis = json.loads(read(vi_run / "summary.json"))["kpis"]
    capex = kpis["capex_total_vnd_bn"]
    cell = re.search(r'<tr data-kpi="capex_total_vnd_bn"><td>[^<]*</td><td class="num">([^<]*)</td>', page)
    assert cell is not None
    assert cell.group(1) == f"{capex:,.0f}".replace(",", ".")
    pct = kpis["pop_covered_4g_pct"]
    cell = re.search(r'<tr data-kpi="pop_covered_4g_pct"><td>[^<]*</td><td class="num">([^<]*)</td>', page)
    assert cell is not None and cell.group(1) == f"{pct:.2f}".replace(".", ",")


def test_one_word_per_concept(vi_run: Path) -> None:
    """The median and the mean busy-hour user throughput sat one above the other as "Thông lượng trung vị ..." and
    "Tốc độ trung bình ..." (tốc độ is the speed-test figure of the calibration rows; glossary.csv)."""
    page = read(vi_run / "report.html")
    shown = visible(page) + " " + html.unescape(" ".join(re.findall(r'alt="([^"]*)"', page)))
    for kpi in ("user_throughput_mbps_p50_end", "user_throughput_mbps_mean_end"):
        row = re.search(rf'<tr data-kpi="{kpi}"><td>([^<]*)</td>', page)
        assert row is not None and row.group(1).startswith("Thông lượng "), (kpi, row and row.group(1))
    assert "Tốc độ trung bình mỗi người dùng" not in shown and "Tốc độ trung vị mỗi người dùng" not in shown
    assert "số ngày-MW bị giữ lại" in shown and "MW-ngày" not in shown  # the data-centre chart's words


def test_seed_reports_cited_by_title(vi_run: Path) -> None:
    page = read(vi_run / "report.html")
    table = re.search(r'<table class="calibration">(.*?)</table>', page, re.S).group(1)
    shown = visible(table)
    assert "Báo cáo của Bộ KH&CN" in shown  # the seed report by its title ...
    assert "000:56" not in shown and "seeds/" not in shown
    assert 'title="MoST report 000:56' in table  # ... the full reference kept as the tooltip
    # the figures by their Vietnamese names (calibration.csv's `label`), not the English ones
    assert "Tỷ lệ dân số được phủ sóng 5G với 16.737 trạm 5G (tháng 10/2025)" in shown
    assert "5G population coverage with" not in shown


def test_report_command_follows_dxsim_lang(vi_run: Path, tmp_path: Path) -> None:
    """`DXSIM_LANG=vi dxsim report` rebuilds the page the run wrote; without it the same folder reads English."""
    vi = tmp_path / "vi.html"
    r = dxsim_cmd("report", str(vi_run), "--out", str(vi), env={"DXSIM_LANG": "vi"})
    assert r.returncode == 0, r.stderr
    assert read(vi) == read(
        vi_run / "report.html"
    )  # charts drawn here, or shared with the helper: the same page
    en = tmp_path / "en.html"
    r = dxsim_cmd("report", str(vi_run), "--out", str(en), env={"DXSIM_LANG": "en"})
    assert r.returncode == 0, r.stderr
    page = read(en)
    assert '<html lang="en">' in page and "Key results" in page and "Kết quả chính" not in page
    assert "Tỷ lệ dân số được phủ sóng 5G" not in page


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)")
def test_browser_shows_vietnamese(browser, vi_run: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto((vi_run / "report.html").resolve().as_uri(), wait_until="load")
        assert errors == []
        assert all(u.startswith(("file:", "data:")) for u in requests), requests
        assert page.evaluate("document.documentElement.lang") == "vi"
        assert page.title() == "Báo cáo dxsim: baseline-short"
        text = page.inner_text("body")
        for phrase in (
            "Tỷ lệ dân số được phủ sóng 5G",
            "tỷ đồng",
            "Kết quả chính",
            "Thôn, bản vùng sâu, vùng xa",
            "Báo cáo của Bộ KH&CN",
        ):
            assert phrase in text, phrase
        assert VI_NUMBER.search(text)
        # the longer Vietnamese labels wrap inside the page's column: nothing is wider than the window
        assert page.evaluate("document.documentElement.scrollWidth") <= 1200
        imgs = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt])")
        assert imgs and all(c and w > 0 for c, w, _alt in imgs), imgs
        assert any(alt.startswith("Tỷ lệ dân số được phủ sóng 5G") for _c, _w, alt in imgs)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "report-vi.png"), full_page=True)
        assert (SCREENSHOTS / "report-vi.png").stat().st_size > 50_000
    finally:
        page.close()
