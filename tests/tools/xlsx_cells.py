#!/usr/bin/env python3
"""Prints the cells of an XLSX, one row per line, for tests to compare:

    SHEET!ROW  A=value  C=value ...

Only rows from FIRST_ROW (default 3: the header row of the etax layout) and
only non-empty cells; each value's tabs and newlines are escaped. With
--typed (before FILE) each value says what the cell is: a number as
n:VALUE|FORMAT (the shortest decimal that reads back as the cell's double,
and its number format code; "General" when it has none), a text as s:TEXT,
so a test sees that money is a number in the currency's format, not text. Reads the
file with the standard library alone (an XLSX is a zip of XML), so the test
set-up needs nothing more, and reads it independently of the library that
wrote it. Exits 1 with a message if the file is not a readable XLSX.

A string's text is decoded as Excel decodes it: OOXML (ECMA-376 Part 1,
22.9.2.19 ST_Xstring) writes a character XML cannot hold as _xHHHH_, so
Excel reads every _xHHHH_ in a cell as that character, and a writer that
means the text "_x0041_" must write "_x005F_x0041_". A test that compares
what this prints with what was written thus sees what a person opening
the file in Excel sees.
"""
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def excel_text(s):
    """_xHHHH_ sequences as the UTF-16 code units they name, left to right,
    as Excel reads them (a surrogate pair is written as two)."""
    units = ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), s)
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def text_of(node):
    return excel_text("".join(t.text or "" for t in node.iter("{%s}t" % NS["m"])))


# The built-in number formats a writer may name by id (ECMA-376 Part 1,
# 18.8.30 numFmt): the few a test meets; others print as their id.
BUILTIN_FORMATS = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00"}


def number_formats(z):
    """The number format code of each cell style index (cellXfs)."""
    if "xl/styles.xml" not in z.namelist():
        return []
    root = ET.fromstring(z.read("xl/styles.xml"))
    codes = dict(BUILTIN_FORMATS)
    fmts = root.find("m:numFmts", NS)
    for f in fmts if fmts is not None else []:
        codes[int(f.get("numFmtId"))] = f.get("formatCode")
    xfs = root.find("m:cellXfs", NS)
    ids = [int(x.get("numFmtId", "0")) for x in (xfs if xfs is not None else [])]
    return [codes.get(i, "numFmt %d" % i) for i in ids]


def main():
    args = sys.argv[1:]
    typed = bool(args) and args[0] == "--typed"
    if typed:
        args = args[1:]
    if not args:
        print("usage: xlsx_cells.py [--typed] FILE.xlsx [FIRST_ROW]", file=sys.stderr)
        return 2
    sys.argv[1:] = args
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    try:
        z = zipfile.ZipFile(sys.argv[1])
        formats = number_formats(z) if typed else []
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            root = ET.fromstring(z.read("xl/sharedStrings.xml"))
            shared = [text_of(si) for si in root.findall("m:si", NS)]
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        target = {r.get("Id"): r.get("Target") for r in rels}
        book = ET.fromstring(z.read("xl/workbook.xml"))
        for s in book.find("m:sheets", NS):
            name = s.get("name")
            path = "xl/" + target[s.get(REL)].lstrip("/").removeprefix("xl/")
            ws = ET.fromstring(z.read(path))
            for row in ws.iter("{%s}row" % NS["m"]):
                n = int(row.get("r"))
                if n < first:
                    continue
                cells = []
                for c in row.findall("m:c", NS):
                    col = re.match(r"[A-Z]+", c.get("r")).group(0)
                    kind = c.get("t")
                    v = c.find("m:v", NS)
                    if kind == "s":
                        val = shared[int(v.text)]
                    elif kind == "inlineStr":
                        val = text_of(c)
                    else:
                        val = v.text if v is not None else ""
                    if val and typed:
                        if kind in ("s", "inlineStr", "str"):
                            val = "s:" + val
                        else:
                            style = int(c.get("s", "0"))
                            fmt = formats[style] if style < len(formats) else "General"
                            val = "n:%s|%s" % (repr(float(val)), fmt)
                    if val:
                        val = val.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                        cells.append("%s=%s" % (col, val))
                if cells:
                    print("%s!%d\t%s" % (name, n, "\t".join(cells)))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, ET.ParseError) as e:
        print("xlsx_cells.py: %s: not a readable XLSX: %s" % (sys.argv[1], e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
