"""A PDF page of text, rectangles and links: what the flyer is drawn on (rendering/flyer.py).

Each library does its own part: HarfBuzz (uharfbuzz) shapes the text, so
that Arabic letters join and marks sit where the font puts them, and
subsets the fonts (TrueType and CFF alike, Noto CJK included) to the glyphs
the page uses; a line of Arabic or Hebrew with a date or an address in it
runs in the order rendering/direction.py gives (python-bidi); pydyf writes
the PDF objects. Here: which glyph goes where, and the font objects a PDF
needs to show them and to give their text back (a ToUnicode map, so that
the words can be searched, copied and read aloud). All of it imports in about 20 ms, where a general PDF library
took 350-420 ms.

Lengths are in points (1/72 inch), y from the top of the page.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

from newsletter.rendering.direction import runs

MM = 72 / 25.4  # points in a millimetre


class Face:
    """A font file (or one face of a collection), shaped and measured with HarfBuzz."""

    def __init__(self, path: Path, index: int = 0):
        import uharfbuzz as hb

        self.path, self.index = path, index
        self.face = hb.Face(hb.Blob.from_file_path(str(path)), index)
        self.font = hb.Font(self.face)
        self.upem = self.face.upem
        self.used: dict[int, str] = {}  # glyph → the text it stands for, as the page draws it

    def width(self, text: str, size: float, rtl: bool = False) -> float:
        """The advance of `text` (one direction, one line) at `size` points."""
        return sum(glyph[1] for glyph in self.shape(text, rtl)) * size / self.upem

    def shape(self, text: str, rtl: bool) -> list[tuple[int, int, int, int, str]]:
        """(glyph, advance, x offset, y offset, the text of its cluster) in font units, left to right as drawn."""
        import uharfbuzz as hb

        buffer = hb.Buffer()
        buffer.add_str(text)
        buffer.guess_segment_properties()
        buffer.direction = "rtl" if rtl else "ltr"
        hb.shape(self.font, buffer, {})
        infos, positions = buffer.glyph_infos, buffer.glyph_positions
        starts = sorted({info.cluster for info in infos} | {len(text)})
        return [(info.codepoint, position.x_advance, position.x_offset, position.y_offset,
                 text[info.cluster:starts[starts.index(info.cluster) + 1]])
                for info, position in zip(infos, positions, strict=True)]


class Page:
    """One page, drawn on in points from its top left, written with its fonts subset to what it shows."""

    def __init__(self, width: float, height: float):
        self.width, self.height = width, height
        self.faces: list[Face] = []
        self.drawn: list[tuple[Any, ...]] = []  # ("text", face, size, x, baseline, glyphs) | ("rect", ...)
        self.links: list[tuple[float, float, float, float, str]] = []

    def face(self, path: Path, index: int = 0) -> Face:
        for known in self.faces:
            if known.path == path and known.index == index:
                return known
        self.faces.append(Face(path, index))
        return self.faces[-1]

    def line_width(self, face: Face, size: float, text: str, rtl: bool) -> float:
        return sum(face.width(run, size, run_rtl) for run, run_rtl in runs(text, rtl))

    def text(self, face: Face, size: float, x: float, baseline: float, text: str, rtl: bool,
             right: bool = False) -> None:
        """Draw one line with its left end at `x` (its right end, with `right`); its glyphs are noted with the
        text they stand for, for the page's ToUnicode map (a glyph only measured is not embedded)."""
        glyphs = [glyph for run, run_rtl in runs(text, rtl) for glyph in face.shape(run, run_rtl)]
        for glyph, *_, cluster in glyphs:
            face.used.setdefault(glyph, cluster)
        if right:
            x -= sum(glyph[1] for glyph in glyphs) * size / face.upem
        self.drawn.append(("text", face, size, x, baseline, glyphs))

    def rect(self, x: float, y: float, width: float, height: float, rgb: tuple[int, int, int]) -> None:
        self.drawn.append(("rect", x, y, width, height, rgb))

    def link(self, x: float, y: float, width: float, height: float, url: str) -> None:
        """A clickable area over what is drawn there, opening `url`."""
        self.links.append((x, y, width, height, url))

    def write(self, title: str, language: str, created: str) -> bytes:
        """The PDF file. `created`: its date as PDF writes one (D:YYYYMMDDHHmmSSZ), so the same page gives
        the same bytes."""
        import io

        import pydyf

        document = pydyf.PDF()
        fonts = pydyf.Dictionary()
        mapped = [self._embed(document, face, fonts, number) for number, face in enumerate(self.faces)]
        content = pydyf.Stream(compress=True)
        for item in self.drawn:
            if item[0] == "rect":
                _, x, y, width, height, rgb = item
                content.set_color_rgb(*(channel / 255 for channel in rgb))
                content.rectangle(_n(x), _n(self.height - y - height), _n(width), _n(height))
                content.fill()
                continue
            _, face, size, x, baseline, glyphs = item
            number = self.faces.index(face)
            content.set_color_rgb(0, 0, 0)
            content.begin_text()
            content.set_font_size(f"F{number}", _n(size))
            scale = size / face.upem
            pen = x
            for glyph, advance, dx, dy, _ in glyphs:
                content.set_text_matrix(1, 0, 0, 1, _n(pen + dx * scale), _n(self.height - baseline + dy * scale))
                content.show_text(f"<{mapped[number][glyph]:04x}>")
                pen += advance * scale
            content.end_text()
        document.add_object(content)
        annotations = pydyf.Array()
        for x, y, width, height, url in self.links:
            annotation = pydyf.Dictionary({
                "Type": "/Annot", "Subtype": "/Link", "Border": pydyf.Array([0, 0, 0]),
                "Rect": pydyf.Array([_n(x), _n(self.height - y - height), _n(x + width), _n(self.height - y)]),
                "A": pydyf.Dictionary({"S": "/URI", "URI": pydyf.String(url)}),
            })
            document.add_object(annotation)
            annotations.append(annotation.reference)
        page = pydyf.Dictionary({
            "Type": "/Page", "Parent": document.pages.reference,
            "MediaBox": pydyf.Array([0, 0, _n(self.width), _n(self.height)]),
            "Contents": content.reference, "Resources": pydyf.Dictionary({"Font": fonts}),
        })
        if annotations:
            page["Annots"] = annotations
        document.add_page(page)
        document.info["Title"] = pydyf.String(title)
        document.info["Creator"] = pydyf.String("newsletter")
        document.info["CreationDate"] = pydyf.String(created)
        document.catalog["Lang"] = pydyf.String(language)
        document.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})
        output = io.BytesIO()
        document.write(output, version=b"1.7", compress=True)
        return output.getvalue()

    def _embed(self, document: Any, face: Face, fonts: Any, number: int) -> dict[int, int]:
        """Add `face`, subset to the glyphs used, as a Type 0 font named F<number>; old glyph → new."""
        import pydyf
        import uharfbuzz as hb

        used = sorted(set(face.used) | {0})
        request = hb.SubsetInput()
        for glyph in used:
            request.glyph_set.add(glyph)
        request.flags |= hb.SubsetFlags.CFF_IDENTITY_CHARSET | hb.SubsetFlags.NO_HINTING
        plan = hb.SubsetPlan(face.face, request)
        mapping = dict(plan.old_to_new_glyph_mapping)
        subset = plan.execute()
        program = subset.blob.data
        cff = "CFF " in subset.table_tags
        head = face.face.reference_table("head").data
        box = [round(value * 1000 / face.upem) for value in struct.unpack(">hhhh", head[36:44])]
        extents = face.font.get_font_extents("ltr")
        name = face.face.get_name(hb.OTNameIdPredefined.POSTSCRIPT_NAME) or f"Font{number}"
        tag = "".join(chr(65 + (value % 26)) for value in zlib.crc32(repr(used).encode()).to_bytes(4, "big")) + "AA"
        base = f"/{tag}+{name.replace(' ', '')}"
        stream = pydyf.Stream([program], extra={"Subtype": "/OpenType"} if cff else {"Length1": len(program)},
                              compress=True)
        document.add_object(stream)
        descriptor = pydyf.Dictionary({
            "Type": "/FontDescriptor", "FontName": base, "Flags": 4, "FontBBox": pydyf.Array(box),
            "ItalicAngle": 0, "Ascent": round(extents.ascender * 1000 / face.upem),
            "Descent": round(extents.descender * 1000 / face.upem), "CapHeight": box[3], "StemV": 80,
            ("FontFile3" if cff else "FontFile2"): stream.reference,
        })
        document.add_object(descriptor)
        widths = pydyf.Array()
        for glyph in used:
            widths.extend([mapping[glyph], pydyf.Array([round(face.font.get_glyph_h_advance(glyph) * 1000 /
                                                               face.upem)])])
        descendant = pydyf.Dictionary({
            "Type": "/Font", "Subtype": "/CIDFontType0" if cff else "/CIDFontType2", "BaseFont": base,
            "CIDSystemInfo": pydyf.Dictionary({"Registry": pydyf.String("Adobe"),
                                               "Ordering": pydyf.String("Identity"), "Supplement": 0}),
            "FontDescriptor": descriptor.reference, "W": widths,
        })
        if not cff:
            descendant["CIDToGIDMap"] = "/Identity"
        document.add_object(descendant)
        to_unicode = pydyf.Stream([_cmap({mapping[glyph]: text for glyph, text in face.used.items() if text})],
                                  compress=True)
        document.add_object(to_unicode)
        font = pydyf.Dictionary({
            "Type": "/Font", "Subtype": "/Type0", "BaseFont": base, "Encoding": "/Identity-H",
            "DescendantFonts": pydyf.Array([descendant.reference]), "ToUnicode": to_unicode.reference,
        })
        document.add_object(font)
        fonts[f"F{number}"] = font.reference
        return mapping


def _cmap(texts: dict[int, str]) -> bytes:
    """A ToUnicode CMap: each glyph of the subset to the text it stands for."""
    lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
             "1 begincodespacerange", "<0000> <ffff>", "endcodespacerange"]
    entries = sorted(texts.items())
    for start in range(0, len(entries), 100):
        chunk = entries[start:start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{glyph:04x}> <{text.encode('utf-16-be').hex()}>" for glyph, text in chunk]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def _n(value: float) -> float:
    return round(value, 3)
