#!/usr/bin/env python3
"""Prints the cells of an XLSX, one row per line, for tests to compare:

    SHEET!ROW  A=value  C=value ...

Only rows from FIRST_ROW (default 3: the header row of the etax layout) and
only non-empty cells; each value's tabs and newlines are escaped. Reads the
file with the standard library alone (an XLSX is a zip of XML), so the test
set-up needs nothing more, and reads it independently of the library that
wrote it. Exits 1 with a message if the file is not a readable XLSX.
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


def text_of(node):
    return "".join(t.text or "" for t in node.iter("{%s}t" % NS["m"]))


def main():
    if len(sys.argv) < 2:
        print("usage: xlsx_cells.py FILE.xlsx [FIRST_ROW]", file=sys.stderr)
        return 2
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    try:
        z = zipfile.ZipFile(sys.argv[1])
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
