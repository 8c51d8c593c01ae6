"""ganzoo.data.photos: the named photo lists and splits, the pure-Python .deb reader, fetching
with checksums, downscaling and the cache, on a tiny .deb built here (and, when the real
packages are in data_home()/debs, on the real photos)."""
import hashlib
import io
import os
import stat
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganzoo.data import common, photos
from ganzoo.data.common import DataUnavailable
from ganzoo.data.photos import HELDOUT, PACKAGES, PHOTOS, Photo

# ---- building a real .deb by hand ------------------------------------------------------------


def ar_archive(members: list[tuple[str, bytes]]) -> bytes:
    """A System V / GNU `ar` archive, as dpkg-deb writes a .deb: magic, then per member a 60-byte
    header (name 16, mtime 12, uid 6, gid 6, mode 8, size 10, "`\\n") and the data, padded to even."""
    out = [b"!<arch>\n"]
    for name, data in members:
        head = f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}".encode() + b"`\n"
        assert len(head) == 60
        out += [head, data, b"\n" if len(data) % 2 else b""]
    return b"".join(out)


def tar_bytes(files: list[tuple[str, bytes]], mode: str, symlinks=()) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tar:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in symlinks:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return buf.getvalue()


def make_deb(path: Path, files, data_name="data.tar.xz", symlinks=()) -> Path:
    mode = {"data.tar.xz": "w:xz", "data.tar.gz": "w:gz"}.get(data_name, "w")
    control = tar_bytes([("./control", b"Package: fake\nVersion: 1\n")], "w:gz")
    data = tar_bytes(files, mode, symlinks)
    path.write_bytes(ar_archive([("debian-binary", b"2.0\n"), ("control.tar.gz", control), (data_name, data)]))
    return path


def jpeg(w: int, h: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (h // 8 + 1, w // 8 + 1, 3), dtype=np.uint8)
    img = Image.fromarray(small).resize((w, h), Image.Resampling.BILINEAR)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def png_rgba(w: int, h: int) -> bytes:
    a = np.zeros((h, w, 4), np.uint8)
    a[..., 0] = 200
    a[: h // 2, :, 3] = 255  # the lower half is transparent: it must come out white
    buf = io.BytesIO()
    Image.fromarray(a, "RGBA").save(buf, "PNG")
    return buf.getvalue()


PKG = "mate-backgrounds"
TRAIN_P = next(p for p in PHOTOS if p.package == PKG and p.name not in HELDOUT)
TEST_P = next(p for p in PHOTOS if p.package == PKG and p.name in HELDOUT)


@pytest.fixture
def fake(tmp_path, monkeypatch):
    return install_fake_deb(tmp_path, monkeypatch)


def install_fake_deb(tmp_path, monkeypatch):
    """A tiny real .deb of PKG at two of its pinned paths (one train, one held-out photo), pinned
    by its own sha256, in $GANZOO_DEBS; $GANZOO_DATA is empty; scikit-image is not looked at."""
    debs, data = tmp_path / "debs", tmp_path / "data"
    debs.mkdir()
    monkeypatch.setenv("GANZOO_DEBS", str(debs))
    monkeypatch.setenv("GANZOO_DATA", str(data))
    monkeypatch.setattr(photos, "_skimage_data_dir", lambda: None)
    version = PACKAGES[PKG][0]
    deb = make_deb(tmp_path / "built.deb", [("./" + TRAIN_P.path_in_deb, jpeg(300, 200, 0)),
                                            ("./" + TEST_P.path_in_deb, png_rgba(120, 160)),
                                            ("./usr/share/doc/readme.txt", b"not a photo")])
    sha = hashlib.sha256(deb.read_bytes()).hexdigest()
    monkeypatch.setattr(photos, "PACKAGES", {PKG: (version, sha)})
    monkeypatch.setattr(photos, "PHOTOS", (TRAIN_P, TEST_P))
    target = debs / photos.deb_filename(PKG, version)
    target.write_bytes(deb.read_bytes())
    return target


# ---- the named lists and splits --------------------------------------------------------------


def test_names_splits_and_packages():
    names = [p.name for p in PHOTOS]
    assert len(names) == len(set(names)), "photo names must be unique"
    assert len({(p.package, p.path_in_deb) for p in PHOTOS}) == len(PHOTOS)
    assert HELDOUT <= set(names)
    for p in PHOTOS:
        assert isinstance(p, Photo) and p.author and p.license
        assert p.package in PACKAGES or p.package == photos.SKIMAGE
        assert not p.path_in_deb.startswith(("/", "./")) and ".." not in p.path_in_deb.split("/")
    for package in PACKAGES:  # every pinned package is used, and its test photos are named
        mine = {p.name for p in PHOTOS if p.package == package}
        assert mine, package
        assert mine - HELDOUT, f"{package} has no training photo"
    deb_names = {p.name for p in photos.DEB_PHOTOS}
    assert 0.15 <= len(HELDOUT & deb_names) / len(deb_names) <= 0.25
    assert {p.name for p in photos.SKIMAGE_PHOTOS} <= HELDOUT  # the app's example photos
    for version, sha in PACKAGES.values():
        assert len(sha) == 64 and int(sha, 16) >= 0 and version[0].isdigit()
    train, test, everything = (photos.photo_records(s) for s in ("train", "test", "all"))
    assert not {p.name for p in train} & {p.name for p in test}
    assert {p.name for p in train} | {p.name for p in test} == {p.name for p in everything}
    assert {p.name for p in test} <= HELDOUT
    with pytest.raises(ValueError):
        photos.photo_records("val")
    text = photos.credits("all")
    assert text.count("\n") + 1 == len(everything)
    assert "Aitzol Berasategi, CC-BY-4.0" in text and "mate-backgrounds 1.26.0-1" in text
    assert photos.deb_filename("palapeli-data", "4:22.12.3-1") == "palapeli-data_4%3a22.12.3-1_all.deb"


def test_skimage_photos_only_when_installed(monkeypatch, tmp_path):
    monkeypatch.setattr(photos, "_skimage_data_dir", lambda: None)
    assert not [p for p in photos.photo_records("all") if p.package == photos.SKIMAGE]
    (tmp_path / "chelsea.png").write_bytes(png_rgba(8, 8))
    monkeypatch.setattr(photos, "_skimage_data_dir", lambda: tmp_path)
    sk = [p.name for p in photos.photo_records("test") if p.package == photos.SKIMAGE]
    assert sk == ["skimage-chelsea"]
    assert "skimage-chelsea" not in {p.name for p in photos.photo_records("train")}


# ---- reading .deb files ----------------------------------------------------------------------


def test_deb_members_reads_only_wanted_regular_files(tmp_path):
    deb = make_deb(tmp_path / "a.deb", [("./usr/a.jpg", b"A" * 7), ("./usr/b.jpg", b"B" * 8)],
                   symlinks=[("./usr/link.jpg", "a.jpg")])
    assert photos.ar_members(deb).keys() == {"debian-binary", "control.tar.gz", "data.tar.xz"}
    got = dict(photos.deb_members(deb, {"usr/a.jpg", "usr/link.jpg", "usr/missing.jpg"}))
    assert got == {"usr/a.jpg": b"A" * 7}  # the symlink is not a regular file
    gz = make_deb(tmp_path / "b.deb", [("usr/b.jpg", b"B" * 8)], data_name="data.tar.gz")
    assert dict(photos.deb_members(gz, {"usr/b.jpg"})) == {"usr/b.jpg": b"B" * 8}


def test_unsupported_compression_is_a_clear_error(tmp_path):
    deb = tmp_path / "z.deb"
    deb.write_bytes(ar_archive([("debian-binary", b"2.0\n"), ("data.tar.zst", b"(\xb5/\xfd junk")]))
    with pytest.raises(DataUnavailable, match=r"data\.tar\.zst.*only data\.tar\.xz and data\.tar\.gz"):
        list(photos.deb_members(deb, {"x"}))
    (tmp_path / "n.deb").write_bytes(b"PK\x03\x04 not an ar archive")
    with pytest.raises(DataUnavailable, match="not a .deb"):
        photos.ar_members(tmp_path / "n.deb")


def test_path_traversal_member_is_never_written(tmp_path, monkeypatch):
    work = tmp_path / "work" / "deep"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    evil = ["../evil.jpg", "../../evil2.jpg", str(tmp_path / "abs_evil.jpg")]
    deb = make_deb(tmp_path / "e.deb", [(n, b"X") for n in evil] + [("./usr/ok.jpg", b"OK")])
    got = dict(photos.deb_members(deb, set(evil) | {"usr/ok.jpg"}))
    # a member is only ever returned as bytes, never extracted: nothing appears anywhere
    assert got["usr/ok.jpg"] == b"OK"
    assert not (tmp_path / "work" / "evil.jpg").exists() and not (tmp_path / "evil2.jpg").exists()
    assert not (tmp_path / "abs_evil.jpg").exists() and not any(work.iterdir())


# ---- loading, downscaling, caching -----------------------------------------------------------


def test_load_splits_downscale_and_cache(fake, monkeypatch):
    train = photos.load_photos("train", max_side=64)
    test = photos.load_photos("test", max_side=64)
    everything = photos.load_photos("all", max_side=64)
    assert [n for n, _ in train] == [TRAIN_P.name] and [n for n, _ in test] == [TEST_P.name]
    assert [n for n, _ in everything] == [TRAIN_P.name, TEST_P.name]
    a, b = train[0][1], test[0][1]
    assert a.dtype == np.uint8 and a.shape == (43, 64, 3)  # 300×200 -> long side 64, aspect kept
    assert b.shape == (64, 48, 3)  # 120×160 (portrait) -> 48×64
    assert (b[-4:] == 255).all() and b[:4, :, 0].min() > 150  # transparency flattened on white
    big = dict(photos.load_photos("all", max_side=1024))  # never enlarged
    assert big[TRAIN_P.name].shape == (200, 300, 3) and big[TEST_P.name].shape == (160, 120, 3)

    cache = common.data_home() / "photos_64.npz"
    assert cache.is_file() and not list(common.data_home().glob(".photos*"))
    with np.load(cache, allow_pickle=False) as z:
        assert set(z.files) == {"version", TRAIN_P.name, TEST_P.name}
    fake.unlink()  # the second call reads the cache, not the .deb
    again = photos.load_photos("train", max_side=64)
    assert np.array_equal(again[0][1], a)
    with pytest.raises(DataUnavailable):  # a new size needs the .deb (and apt-get cannot get this one)
        monkeypatch.setenv("PATH", str(fake.parent))
        photos.load_photos("train", max_side=32)
    with pytest.raises(ValueError):
        photos.load_photos("train", max_side=0)


def test_cache_write_is_atomic(fake, monkeypatch):
    real = np.savez_compressed

    def dies_halfway(file, **arrays):
        Path(file).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(common.np, "savez_compressed", dies_halfway)
    with pytest.raises(OSError, match="disk full"):
        photos.load_photos("train", max_side=64)
    assert not list(common.data_home().glob("*photos*"))  # neither the cache nor a temporary file
    monkeypatch.setattr(common.np, "savez_compressed", real)
    assert len(photos.load_photos("train", max_side=64)) == 1


# ---- fetching with checksums ----------------------------------------------------------------


def test_checksum_mismatch_is_a_sentence(fake):
    fake.write_bytes(fake.read_bytes() + b"tampered")
    with pytest.raises(DataUnavailable) as e:
        photos.load_photos("train", max_side=64)
    msg = str(e.value)
    assert "not the pinned" in msg and "GANZOO_DEBS" in msg and msg.endswith(".") and "\n" not in msg


def fake_apt_get(bin_dir: Path, payload: Path) -> None:
    """An `apt-get` that "downloads" payload under the name apt-get would give it."""
    script = bin_dir / "apt-get"
    script.write_text("#!/bin/sh\nPATH=/usr/bin:/bin\n[ \"$1\" = download ] || exit 2\n"
                      f'cp "{payload}" "$(echo "$2" | tr = _)_all.deb"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_fetch_with_apt_get(fake, tmp_path, monkeypatch):
    payload = tmp_path / "payload.deb"
    os.replace(fake, payload)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(DataUnavailable, match="apt-get is needed.*GANZOO_DEBS"):
        photos.fetch_deb(PKG)
    fake_apt_get(bin_dir, payload)
    assert photos.fetch_deb(PKG) == fake and fake.read_bytes() == payload.read_bytes()
    assert [p.name for p in fake.parent.iterdir()] == [fake.name]  # the temporary folder is gone
    fake.unlink()
    payload.write_bytes(payload.read_bytes() + b"x")  # the mirror serves something else
    with pytest.raises(DataUnavailable, match="not the pinned"):
        photos.fetch_deb(PKG)
    assert not fake.exists()


# ---- the real photos, when the real packages are here ---------------------------------------

REAL = Path(os.environ.get("GANZOO_DATA") or Path.home() / ".cache" / "ganzoo") / "debs"


@pytest.mark.skipif(not all((REAL / photos.deb_filename(p, v)).is_file() for p, (v, _) in PACKAGES.items()),
                    reason="the real .deb files are not in data_home()/debs")
def test_real_photos(monkeypatch):
    monkeypatch.delenv("GANZOO_DEBS", raising=False)
    everything = photos.load_photos("all")
    assert len(everything) == len(photos.photo_records("all")) >= len(photos.DEB_PHOTOS) == 42
    for name, img in everything:
        assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
        if not name.startswith("skimage-"):  # scikit-image's are small (chelsea is 451 px)
            assert 512 <= max(img.shape[:2]) <= 1024, name
    assert len(photos.load_photos("test")) + len(photos.load_photos("train")) == len(everything)
