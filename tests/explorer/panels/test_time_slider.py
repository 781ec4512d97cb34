"""The year slider shows the map up to a year, cumulatively, as one filter with the rest."""
from __future__ import annotations

from layers.model.filter import Filter
from tests.explorer.helpers import patch, pixel_of, rerender


def _no_labels(window):
    window.canvas.labels = False
    rerender(window.canvas)


def test_slider_at_2023_hides_the_project_dated_2025(window):
    _no_labels(window)
    doc, canvas, slider = window.document, window.canvas, window.time_slider
    park = pixel_of(canvas, "projects", "t-park")  # dated 2025
    rail = pixel_of(canvas, "projects", "t-rail")  # dated 2023
    before = canvas.current_image().copy()
    doc.set_visible("projects", False)
    rerender(canvas)
    empty = canvas.current_image().copy()
    doc.set_visible("projects", True)
    rerender(canvas)

    slider.slider.setValue(2023)  # moving the slider turns the time line on
    assert slider.enabled.isChecked() and slider.year == 2023
    assert (doc.filter.year_min, doc.filter.year_max) == (None, 2023)
    rerender(canvas)
    after = canvas.current_image()
    assert patch(after, park) == patch(empty, park)  # 2025: not yet
    assert patch(after, rail) == patch(before, rail)  # 2023: shown
    assert window.filter_panel.year_max.value() == 2023  # one filter: the panel's year box agrees
    assert "截至 2023 年" in slider.year_label.text() and "截至 2023 年" in slider.status_label.text()
    assert slider.status_label.isVisible()

    slider.slider.setValue(2025)
    rerender(canvas)
    assert patch(canvas.current_image(), park) == patch(before, park)

    slider.enabled.setChecked(False)
    assert doc.filter.year_max is None and not slider.status_label.isVisible()


def test_slider_keeps_the_rest_of_the_filter_and_follows_it(window):
    doc, slider = window.document, window.time_slider
    doc.set_filter(Filter(themes=["transport"], keep_undated=True))
    slider.set_year(2022)
    assert doc.filter == Filter(themes=["transport"], year_max=2022, keep_undated=True)
    assert "含未注明年份" in slider.status_label.text()
    doc.set_filter(Filter(year_min=2021, year_max=2024))  # a range from the filter panel: not the time line
    assert not slider.enabled.isChecked() and slider.year is None
    doc.set_filter(Filter(year_max=2026))
    assert slider.enabled.isChecked() and slider.slider.value() == 2026


def test_statistics_follow_the_slider(window):
    window.stats_panel.dock.show()
    window.stats_panel.dock.raise_()
    window.stats_panel.set_grouping("year")
    window.time_slider.set_year(2023)
    table = window.stats_panel.table_value
    assert [r.key for r in table.rows] == ["2021", "2023"] and table.total.projects == 2


def test_play_steps_through_the_years_and_stops_at_the_last(window):
    slider = window.time_slider
    slider.play_button.setChecked(True)  # starts at 2021
    assert slider.year == 2021 and window.document.filter.year_max == 2021
    assert slider.play_button.text().startswith("■")
    seen = [slider.year]
    while slider.play_button.isChecked():
        slider.step()  # what the timer calls each second
        seen.append(slider.year)
    assert seen == list(range(2021, 2028)) and window.document.filter.year_max == 2027
    assert slider.play_button.text().startswith("▶")
