"""Today's entries and exits per hour as an SVG bar chart, drawn on the server (no script, no library)."""

from __future__ import annotations

from markupsafe import Markup, escape

W, H, PAD_L, PAD_B, PAD_T = 720, 220, 36, 24, 12
IN_COLOUR, OUT_COLOUR, AXIS = "#0b5394", "#b45309", "#333333"  # both ≥ 4.5:1 on white


def hourly_chart(hourly_in: list[int], hourly_out: list[int], title: str, in_label: str, out_label: str) -> Markup:
    top = max([2, *hourly_in, *hourly_out])
    top += top % 2  # even: the middle grid line is a whole number
    plot_w, plot_h = W - PAD_L - 8, H - PAD_B - PAD_T
    slot = plot_w / 24
    bar = slot * 0.38
    parts = [f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    for frac in (0, 0.5, 1):
        y = PAD_T + plot_h * (1 - frac)
        parts.append(f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{W - 8}" y2="{y:.1f}" stroke="#cccccc" stroke-width="1"/>')
        parts.append(f'<text x="{PAD_L - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{AXIS}">{top * frac:.0f}</text>')
    for h in range(24):
        x = PAD_L + h * slot + slot * 0.1
        for i, (value, colour, label) in enumerate(((hourly_in[h], IN_COLOUR, in_label), (hourly_out[h], OUT_COLOUR, out_label))):
            bh = plot_h * value / top
            parts.append(f'<rect class="bar-{"in" if i == 0 else "out"}" data-hour="{h}" data-value="{value}" x="{x + i * bar:.1f}" '
                         f'y="{PAD_T + plot_h - bh:.1f}" width="{bar:.1f}" height="{bh:.1f}" fill="{colour}">'
                         f"<title>{h:02d}:00 {escape(label)} {value}</title></rect>")
        if h % 3 == 0:
            parts.append(f'<text x="{x + bar:.1f}" y="{H - 6}" text-anchor="middle" font-size="11" fill="{AXIS}">{h:02d}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
