"""A persona's photo recognised when reused, resized or recompressed."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from lurewatch.ingest.errors import InputError
from lurewatch.ingest.photo import SAME_PHOTO_BITS, hamming, phash_hex
from lurewatch.matching.index import STRONG, IndicatorIndex, Subject
from lurewatch.model import Alert, Indicator, Persona


def _picture(path: Path, seed: int, size: int = 400) -> Path:
    """A synthetic 'portrait': random shapes, different for each seed."""
    rng = random.Random(seed)
    img = Image.new("RGB", (size, size), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x0, y0 = rng.randrange(size), rng.randrange(size)
        box = (x0, y0, x0 + rng.randrange(40, 200), y0 + rng.randrange(40, 200))
        draw.ellipse(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    img.save(path)
    return path


def test_a_resized_recompressed_copy_stays_close_and_another_photo_does_not(tmp_path: Path) -> None:
    original = phash_hex(_picture(tmp_path / "a.png", 1))
    Image.open(tmp_path / "a.png").resize((180, 180)).convert("RGB").save(
        tmp_path / "a.jpg", quality=60
    )
    copy = phash_hex(tmp_path / "a.jpg")
    other = phash_hex(_picture(tmp_path / "b.png", 2))
    assert len(original) == 16
    assert hamming(original, copy) is not None and hamming(original, copy) <= SAME_PHOTO_BITS  # type: ignore[operator]
    assert hamming(original, other) > SAME_PHOTO_BITS  # type: ignore[operator]


def test_the_index_calls_a_reused_photo_strong(tmp_path: Path) -> None:
    alerted = phash_hex(_picture(tmp_path / "a.png", 7))
    Image.open(tmp_path / "a.png").resize((200, 200)).save(tmp_path / "copy.png")
    alert = Alert(
        id="a",
        title="Photo alert",
        personas=(Persona(id="p", name="Avery Qiu"),),
        indicators=(Indicator(type="photo-phash", value=alerted, persona="p"),),
    )
    index = IndicatorIndex([alert])
    (m,) = index.match(Subject(photo_hashes={phash_hex(tmp_path / "copy.png")}))
    assert m.level == STRONG and m.agreements[0].what == "photo"
    assert index.match(Subject(photo_hashes={phash_hex(_picture(tmp_path / "x.png", 8))})) == []


def test_hostile_images_are_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "fake.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(InputError, match="not a readable image"):
        phash_hex(tmp_path / "fake.jpg")
    Image.new("1", (10_000, 10_000)).save(tmp_path / "bomb.png")  # 100 million pixels, tiny file
    with pytest.raises(InputError, match="DecompressionBomb"):
        phash_hex(tmp_path / "bomb.png")
    with pytest.raises(InputError, match="cannot read the photo"):
        phash_hex(tmp_path / "missing.png")


def test_check_compares_the_profile_photo(tmp_path: Path) -> None:
    _picture(tmp_path / "persona.png", 3)
    Image.open(tmp_path / "persona.png").resize((150, 150)).convert("RGB").save(
        tmp_path / "seen.jpg", quality=70
    )
    alert = {
        "title": "Photo alert",
        "personas": [{"name": "Avery Qiu", "company": "Northbridge"}],
        "indicators": [
            {
                "type": "photo-phash",
                "value": phash_hex(tmp_path / "persona.png"),
                "persona": "Avery Qiu",
            }
        ],
    }
    (tmp_path / "alert.json").write_text(json.dumps(alert))
    (tmp_path / "profile.json").write_text(json.dumps({"name": "Jo Bloggs", "photo": "seen.jpg"}))
    (tmp_path / "m.txt").write_text("Hello, nice to connect.")
    run = [
        sys.executable,
        "-m",
        "lurewatch.cli",
        "check",
        "-m",
        "m.txt",
        "-p",
        "profile.json",
        "-i",
        "alert.json",
        "--format",
        "json",
        "--today",
        "2026-11-29",
    ]
    proc = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["level"] == "high"
    assert [
        f["evidence"][0]["field"] for f in data["findings"] if f["category"] == "indicator_match"
    ] == ["indicator.photo"]
    (tmp_path / "seen.jpg").write_bytes(b"junk")
    proc = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0 and json.loads(proc.stdout)["notes"][0].startswith(
        "photo not compared:"
    )
