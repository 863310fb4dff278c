#!/usr/bin/env python3
"""How much of a PDF word is inked, as a person would see it: finds the word
on the page with `pdftotext -bbox`, renders just its box with `pdftoppm`
(grey, 144 dpi) and prints "WORD DARK TOTAL": the pixels darker than mid
grey, and all the box's pixels. A word drawn in a font the machine lacks
renders as nothing, or boxes; one drawn from an embedded font as glyphs.
With "-" as the word, prints the ink of the box X Y W H (points) instead,
for a blank area to compare with.

usage: pdf_ink.py FILE.pdf PAGE WORD
       pdf_ink.py FILE.pdf PAGE - X Y W H
"""
import html
import re
import subprocess
import sys

DPI = 144


def grey_box(pdf, page, x, y, w, h):
    """The box X Y W H (points) of PAGE rendered grey: width, height and
    the pixels, a byte each, row by row (darker than 128 is ink)."""
    s = DPI / 72.0
    out = subprocess.run(
        ["pdftoppm", "-gray", "-r", str(DPI), "-f", str(page), "-l", str(page),
         "-x", str(int(x * s)), "-y", str(int(y * s)),
         "-W", str(max(1, int(w * s))), "-H", str(max(1, int(h * s))), pdf],
        check=True, capture_output=True).stdout
    # P5 PGM: magic, width, height, maxval, then the bytes
    parts = out.split(maxsplit=4)
    return int(parts[1]), int(parts[2]), parts[4]


def words(pdf, page):
    """The words pdftotext -bbox finds on PAGE: (text, x0, y0, x1, y1)."""
    text = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), pdf, "-"],
                          check=True, capture_output=True, text=True).stdout
    return [(html.unescape(m.group(5)), *map(float, m.groups()[:4]))
            for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                                 r'yMax="([\d.]+)">([^<]*)</word>', text)]


def ink(pdf, page, x, y, w, h):
    width, height, pixels = grey_box(pdf, page, x, y, w, h)
    dark = sum(1 for b in pixels[: width * height] if b < 128)
    return dark, width * height


def main():
    pdf, page, word = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if word == "-":
        x, y, w, h = map(float, sys.argv[4:8])
    else:
        for text, x0, y0, x1, y1 in words(pdf, page):
            if text == word:
                x, y, w, h = x0, y0, x1 - x0, y1 - y0
                break
        else:
            print("%s not found on page %d" % (word, page))
            return 1
    dark, total = ink(pdf, page, x, y, w, h)
    print(word, dark, total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
