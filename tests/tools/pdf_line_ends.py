#!/usr/bin/env python3
"""What each wrapped line of a word ends with, as drawn: for every word on
PAGE of FILE.pdf that `pdftotext -bbox` finds made only of CHAR, renders its
line from the word's left edge to RIGHT points (pdf_ink.py's grey box) and
looks at the line's rightmost ink. Prints one line per word: "full" when
that ink reaches the top quarter of the line's ink (the last glyph's own
stroke, for a tall CHAR such as W), "low" when it does not (a mark drawn
after the last glyph, such as the hyphen Pango draws where it breaks a
word by default).

Such a hyphen is drawn but is not in the text layer, so only the rendered
page shows it; this lets a test see it.

usage: pdf_line_ends.py FILE.pdf PAGE CHAR RIGHT
"""
import sys

from pdf_ink import grey_box, words


def line_end(pdf, page, x0, y0, y1, right):
    w, h, px = grey_box(pdf, page, x0, y0, right - x0, y1 - y0)
    dark = [[px[r * w + c] < 128 for c in range(w)] for r in range(h)]
    rows = [r for r in range(h) if any(dark[r])]
    if not rows:
        return "none"
    last = max(c for c in range(w) if any(dark[r][c] for r in rows))
    top = rows[0] + (rows[-1] - rows[0] + 1) // 4
    return "full" if any(dark[r][last] for r in range(rows[0], top + 1)) else "low"


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    pdf, page, char, right = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    for text, x0, y0, _, y1 in words(pdf, page):
        if text and set(text) == {char}:
            print(line_end(pdf, page, x0, y0, y1, right))
    return 0


if __name__ == "__main__":
    sys.exit(main())
