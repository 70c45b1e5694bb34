"""The offline map in Vietnamese (issue 15): `dxsim run ... --lang vi` writes a map whose layer control, legend,
date selector, popups and header are Vietnamese, with Vietnamese numbers (1.074,75; 39,5%) and months
(tháng 12/2025), and `<html lang="vi">`; English stays as it was.

The run is the real command on a short horizon (2025-10-31 to 2026-12-31, one replication, no report) so the
browser test is quick; the browser part is skipped only when Debian's chromium or playwright is missing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import BASELINE, REPO, dxsim_cmd
from test_map import Page, external_references

from dxsim.i18n import set_language
from dxsim.maps import build_map

SCREENSHOT = REPO / "outputs" / "test-screenshots" / "map-vi.png"
# text that only a broken encoding shows (UTF-8 read as Latin-1, replacement characters)
MOJIBAKE = re.compile("[\u00c3\u00c2\ufffd]|Ä‘|á»")
VI_DATES = ["tháng 10/2025 (đầu kỳ)", "tháng 12/2025", "tháng 12/2026 (cuối kỳ)"]


@pytest.fixture(scope="module")
def vi_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`dxsim run short.toml --lang vi --reps 1 --no-report --out DIR` (short.toml extends the baseline)."""
    d = tmp_path_factory.mktemp("map-vi")
    scen = d / "short.toml"
    scen.write_text(
        f'extends = "{BASELINE.as_posix()}"\nname = "short-vi"\n\n[horizon]\nend_date = 2026-12-31\n',
        encoding="utf-8",
    )
    out = d / "out"
    r = dxsim_cmd("run", str(scen), "--lang", "vi", "--reps", "1", "--no-report", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert (out / "map.html").exists()
    return out


@pytest.fixture(scope="module")
def vi_html(vi_dir: Path) -> str:
    return (vi_dir / "map.html").read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def english_after() -> None:  # type: ignore[misc]
    yield
    set_language(None)


def _overlays(html: str) -> list[str]:
    block = re.search(
        r"_layers = \{\s*base_layers\s*:\s*\{.*?\},\s*overlays\s*:\s*\{(.*?)\}", html, re.S
    ).group(1)
    return [json.loads(f'"{x}"') for x in re.findall(r'"([^"]+)"\s*:\s*feature_group_', block)]  # \uXXXX


def test_vi_page_static(vi_html: str) -> None:
    assert '<html lang="vi">' in vi_html and '<meta charset="utf-8">' in vi_html
    assert re.search(
        r"<title>Bản đồ dxsim — short-vi \(giá trị khởi tạo \d+, 1 lần lặp, có dữ liệu giả lập\)</title>",
        vi_html,
    )
    head = re.search(r'<div class="dx-header".*?</div>', vi_html, re.S).group(0)
    assert "kịch bản <b>short-vi</b>" in head and "31/10/2025 → 31/12/2026" in head
    assert "Kết quả dự báo của mô hình" in head and "thôn, bản vùng lõm sóng" in head
    labels = _overlays(vi_html)
    cov = [x for x in labels if x.startswith("Phủ sóng 5G ")]
    assert [c.removeprefix("Phủ sóng 5G ") for c in cov] == VI_DATES  # the date selector: months, Vietnamese
    assert any(re.fullmatch(r"Thôn, bản vùng lõm sóng \(\d+\)", x) for x in labels)
    assert not [x for x in labels if re.search(r"\d{4}-\d{2}-\d{2}|\b(coverage|villages|sites|end)\b", x)]
    # numbers: Vietnamese decimal comma in tooltips (39,5%), never the English point
    tips = re.findall(r"Phủ sóng 5G (\S+) dân số", vi_html)
    assert tips and all(re.fullmatch(r"\d{1,3}(,\d)?%|–", t) for t in tips)
    assert 'DX.setup("vi-VN",' in vi_html  # JS formats numbers in the Vietnamese locale
    # the two archipelagos the boundaries draw are named, as Vietnam's maps name them (they were drawn unnamed)
    assert "Quần đảo Hoàng Sa (Việt Nam)" in vi_html and "Quần đảo Trường Sa (Việt Nam)" in vi_html
    assert not MOJIBAKE.search(vi_html.replace("\\u003c", "<"))
    assert external_references(vi_html) == []


def test_english_unchanged_and_dxsim_map_env(vi_dir: Path, vi_html: str, tmp_path: Path) -> None:
    """The same folder in English gives the English page; `DXSIM_LANG=vi dxsim map` gives the Vietnamese one."""
    set_language("en")
    en = build_map(vi_dir, out=tmp_path / "en.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in en and 'lang="vi"' not in en and 'DX.setup("en-US",' in en
    assert [x for x in _overlays(en) if x.startswith("5G coverage ")] == [
        "5G coverage 2025-10-31 (start)",
        "5G coverage 2025-12-31",
        "5G coverage 2026-12-31 (end)",
    ]
    assert "Model projection, not a survey." in en and "Thôn, bản vùng lõm sóng" not in en
    r = dxsim_cmd("map", str(vi_dir), "--out", str(tmp_path / "vi.html"), env={"DXSIM_LANG": "vi"})
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "vi.html").read_text(encoding="utf-8") == vi_html  # same page as `dxsim run --lang vi`


def test_vi_browser(browser, vi_dir: Path) -> None:  # type: ignore[no-untyped-def]
    pg = Page(browser, vi_dir / "map.html")
    page = pg.page
    try:
        assert page.evaluate("() => document.documentElement.lang") == "vi"
        labels = pg.labels()
        assert [x for x in labels if x.startswith("Phủ sóng 5G ")] == [f"Phủ sóng 5G {d}" for d in VI_DATES]
        assert any(x.startswith("Thôn, bản vùng lõm sóng (") for x in labels)
        assert any(x.startswith("Trung tâm dữ liệu, công suất CNTT (MW) cuối kỳ (") for x in labels)
        legend = page.locator(".dx-legend").inner_text()
        for want in (
            "Tỷ lệ dân số được phủ sóng 5G (%) theo tỉnh (tháng 12/2026)",
            "Thôn, bản vùng lõm sóng",
            "có sóng",
            "đang thi công",
            "kéo điện lưới (đường dây 22 kV)",
            "Trung tâm dữ liệu",
            "đang hoạt động",
            "Cụm GPU",
        ):
            assert want in legend, want
        header = page.locator(".dx-header").inner_text()
        assert "Bản đồ dxsim" in header and "dữ liệu giả lập" in header
        # the longer Vietnamese header fits its box (nothing clipped) and the map starts below it
        assert page.evaluate(
            "() => { const h = document.querySelector('.dx-header'); "
            "return h.scrollHeight <= h.clientHeight + 1; }"
        )
        assert page.evaluate(
            "() => document.querySelector('.folium-map').getBoundingClientRect().top >= "
            "document.querySelector('.dx-header').getBoundingClientRect().bottom - 1"
        )
        assert page.get_attribute(".leaflet-control-zoom-in", "title") == "Phóng to"
        text = "\n".join([legend, header, *labels])
        assert not MOJIBAKE.search(text) and not re.search(r"\b(coverage|villages|replication|seed)\b", text)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))
        # the date selector: the start month replaces the end month, and the legend names it
        pg.toggle("tháng 10/2025 (đầu kỳ)")
        page.wait_for_function(
            "() => document.querySelector('.dx-legend').innerText.includes('(tháng 10/2025)')"
        )
        # popups: a village (Python-formatted) and a 5 km square (JS-formatted in vi-VN)
        page.evaluate("""() => {  // a village with a connection date
          const g = DX.groups.find(g => g._dxFamily === 'villages');
          g.getLayers().find(l => /\\d{2}\\/\\d{2}\\/\\d{4}/.test(l.getPopup().getContent())).openPopup();
        }""")
        page.wait_for_selector(".leaflet-popup-content .dx-pop", timeout=5000)
        pop = page.locator(".leaflet-popup-content").inner_text()
        assert "dân số" in pop and "trạng thái" in pop and re.search(r"\d{2}/\d{2}/\d{4}", pop), pop
        close = page.locator(".leaflet-popup-close-button")
        assert close.get_attribute("aria-label") == "Đóng cửa sổ thông tin"  # not Leaflet's "Close popup"
        pg.toggle("Người chưa được phủ sóng 5G cuối kỳ")
        page.wait_for_timeout(300)
        page.evaluate("""() => {
          const g = DX.groups.find(g => g._dxFamily === 'density_unc');
          const l = g.getLayers().sort((a, b) => b._dx[8] - a._dx[8])[0];  // the most populated square
          g.fire('click', {layer: l, latlng: l.getBounds().getCenter()});
        }""")
        page.wait_for_function(
            "() => document.querySelector('.leaflet-popup-content').innerText.includes('km²')"
        )
        sq = page.locator(".leaflet-popup-content").inner_text()
        assert "ô 5 km" in sq and "người/km²" in sq and "được phủ sóng 5G (cuối kỳ)" in sq, sq
        assert (
            re.search(r"\d\.\d{3}", sq) and re.search(r"\d,\d%", sq) and not re.search(r"\d,\d{3}\b", sq)
        ), sq
        assert pg.errors == [] and pg.failed == [] and pg.aborted == []
    finally:
        pg.close()
