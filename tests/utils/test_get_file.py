"""keras.utils.get_file with file:// origins (no network): cache layout, hashes, extraction."""

import hashlib
import os
import tarfile
import zipfile

import pytest

from fastkeras.utils import file_utils, get_file


def _source(tmp_path, name="data.bin", payload=b"fastkeras"):
    path = tmp_path / "src" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(payload)
    for cache in ("cache", "c"):  # get_file, like Keras's, uses /tmp/.keras for a missing dir
        (tmp_path / cache).mkdir(exist_ok=True)
    return path, path.as_uri()


def test_downloads_once_into_cache_subdir(tmp_path, capsys):
    src, origin = _source(tmp_path)
    cache = tmp_path / "cache"
    path = get_file("x.bin", origin=origin, cache_dir=str(cache), cache_subdir="sub")
    assert path == os.path.join(str(cache), "sub", "x.bin")
    assert open(path, "rb").read() == b"fastkeras"
    assert "Downloading data from" in capsys.readouterr().out
    src.unlink()  # a cached file is not downloaded again
    assert get_file("x.bin", origin=origin, cache_dir=str(cache), cache_subdir="sub") == path
    assert "Downloading" not in capsys.readouterr().out


def test_default_cache_is_keras_home_datasets_and_fname_from_origin(tmp_path, monkeypatch):
    _, origin = _source(tmp_path, "named.txt")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    path = get_file(origin=origin)
    assert path == os.path.join(str(tmp_path / "home"), "datasets", "named.txt")


@pytest.mark.parametrize("algo", ["sha256", "md5"])
def test_file_hash_is_checked(tmp_path, algo):
    _, origin = _source(tmp_path)
    good = getattr(hashlib, algo)(b"fastkeras").hexdigest()
    path = get_file("ok.bin", origin=origin, file_hash=good, cache_dir=str(tmp_path / "c"))
    assert file_utils.validate_file(path, good)
    with pytest.raises(ValueError, match="file hash does not match"):
        get_file("bad.bin", origin=origin, file_hash="0" * len(good),
                 cache_dir=str(tmp_path / "c"))


def test_stale_cached_file_is_downloaded_again(tmp_path):
    _, origin = _source(tmp_path)
    cache = tmp_path / "c" / "datasets"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "d.bin").write_bytes(b"stale")
    good = hashlib.sha256(b"fastkeras").hexdigest()
    path = get_file("d.bin", origin=origin, file_hash=good, cache_dir=str(tmp_path / "c"))
    assert open(path, "rb").read() == b"fastkeras"


def test_extracts_tar_and_zip(tmp_path):
    inner = tmp_path / "inner.txt"
    inner.write_text("hello")
    tar_path, zip_path = tmp_path / "a.tar.gz", tmp_path / "b.zip"
    with tarfile.open(tar_path, "w:gz") as tar:
        tar.add(inner, arcname="folder/inner.txt")
    with zipfile.ZipFile(zip_path, "w") as z:
        z.write(inner, "folder/inner.txt")
    cache = str(tmp_path / "c")
    os.makedirs(cache)
    out = get_file("a.tar.gz", origin=tar_path.as_uri(), extract=True, cache_dir=cache)
    assert out == os.path.join(cache, "datasets", "a_extracted")
    assert open(os.path.join(out, "folder", "inner.txt")).read() == "hello"
    out = get_file("bdir", origin=zip_path.as_uri(), extract=True, cache_dir=cache)
    assert out == os.path.join(cache, "datasets", "bdir")
    assert os.path.exists(os.path.join(cache, "datasets", "bdir_archive"))
    assert open(os.path.join(out, "folder", "inner.txt")).read() == "hello"


def test_archive_members_outside_the_folder_are_skipped(tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../escaped.txt", "x")
        z.writestr("fine.txt", "y")
    with pytest.warns(UserWarning, match="Skipping invalid path"):
        file_utils.extract_archive(str(evil), str(tmp_path / "out"))
    assert (tmp_path / "out" / "fine.txt").exists()
    assert not (tmp_path / "escaped.txt").exists()


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match='"origin"'):
        get_file("x")
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        get_file("a/b.bin", origin="file:///nothing", cache_dir=str(tmp_path))
    with pytest.raises(ValueError, match="Can't parse the file name"):
        get_file(origin="https://example.com/", cache_dir=str(tmp_path))
    with pytest.raises(Exception, match="URL fetch failure"):
        get_file("missing.bin", origin=(tmp_path / "missing").as_uri(),
                 cache_dir=str(tmp_path))
    assert not (tmp_path / "datasets" / "missing.bin").exists()
