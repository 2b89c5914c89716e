"""Draw the app icon and write it as PNG, Windows .ico and macOS .icns.

Run it after changing the drawing: ``python packaging/make_icon.py``. The outputs are
committed in ``packaging/icons/`` so a build needs neither this script nor a display.

The icon is drawn with QPainter at every size rather than scaled from one bitmap, so the small
sizes stay sharp. The .ico and .icns containers are written by hand (both just hold PNGs):
that needs neither Pillow nor Apple's ``iconutil``, so the files can be made on any OS.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

ICON_DIR = Path(__file__).resolve().parent / "icons"
NAME = "foundry-bench"

# Windows Explorer uses up to 256 px; 16-48 are the ones shown in lists and the taskbar.
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# .icns PNG element types (macOS 10.7+). The "@2x" types reuse the next size up.
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


def draw(size: int) -> QImage:
    """A rounded tile with a rising bar chart and a timing line: "measure the model"."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 100.0  # draw on a 100 x 100 grid

    tile = QRectF(4 * s, 4 * s, 92 * s, 92 * s)
    gradient = QLinearGradient(tile.topLeft(), tile.bottomRight())
    gradient.setColorAt(0.0, QColor("#3d7bd9"))
    gradient.setColorAt(1.0, QColor("#1b3f7a"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(gradient)
    p.drawRoundedRect(tile, 20 * s, 20 * s)

    # Three bars, tallest last; at 16 px they must still read as separate bars.
    p.setBrush(QColor("#ffffff"))
    for i, height in enumerate((26, 42, 60)):
        p.drawRoundedRect(QRectF((22 + i * 21) * s, (80 - height) * s, 14 * s, height * s), s, s)

    # A rising line over the bars: throughput going up.
    pen = QPen(QColor("#ffc24b"), max(1.0, 6 * s))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    path = QPainterPath(QPointF(18 * s, 50 * s))
    path.lineTo(QPointF(40 * s, 34 * s))
    path.lineTo(QPointF(58 * s, 40 * s))
    path.lineTo(QPointF(82 * s, 16 * s))
    p.drawPath(path)
    p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("Qt could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO directory whose entries are PNGs (allowed since Windows Vista)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    entries, blobs = b"", b""
    offset = len(header) + 16 * len(pngs)
    for size, blob in sorted(pngs.items()):
        dim = 0 if size >= 256 else size  # 0 means 256 in the ICO directory
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset + len(blobs))
        blobs += blob
    return header + entries + blobs


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """An icns container: 'icns', total length, then (type, length, PNG) elements."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display needed to draw
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    sizes = sorted({*ICO_SIZES, *(size for _, size in ICNS_TYPES)})
    pngs = {size: png_bytes(draw(size)) for size in sizes}
    ICON_DIR.mkdir(exist_ok=True)
    outputs = {
        f"{NAME}.png": pngs[256],
        f"{NAME}.ico": ico_bytes({size: pngs[size] for size in ICO_SIZES}),
        f"{NAME}.icns": icns_bytes(pngs),
    }
    for name, blob in outputs.items():
        (ICON_DIR / name).write_bytes(blob)
        print(f"wrote {ICON_DIR / name} ({len(blob) // 1024} KiB)")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
