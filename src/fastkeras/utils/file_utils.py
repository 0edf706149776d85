"""keras.utils.get_file: download a file once into the Keras cache, check its hash,
optionally extract it. The cache is `cache_dir` (default $KERAS_HOME, else ~/.keras, read
at each call) / `cache_subdir`, laid out as Keras lays it out, so the two share files."""

import hashlib
import os
import tarfile
import tempfile
import warnings
import zipfile

from .progbar import Progbar, print_msg


def keras_home():
    """$KERAS_HOME, else ~/.keras (or /tmp/.keras where the home is not writable)."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    base = os.path.expanduser("~")
    return os.path.join(base if os.access(base, os.W_OK) else "/tmp", ".keras")


def _hasher(algorithm, file_hash=None):
    """sha256 when asked for or when 'auto' sees a 64-character hash; md5 otherwise."""
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None
                                 and len(file_hash) == 64):
        return hashlib.sha256()
    return hashlib.md5()


def hash_file(fpath, algorithm="sha256", chunk_size=65535):
    hasher = _hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    return hash_file(fpath, _hasher(algorithm, file_hash), chunk_size) == str(file_hash)


def _inside(base, member):
    path = os.path.realpath(os.path.join(base, member))
    return os.path.commonpath([path, base]) == base


def _safe_members(names_and_members, base, links=()):
    """Members whose paths (and link targets) stay inside `base`; others are skipped with a
    warning, as Keras does, so an archive cannot write outside its extraction folder."""
    base = os.path.realpath(base)
    for name, member in names_and_members:
        target = links.get(name) if links else None
        ok = _inside(base, name) and (target is None or _inside(
            base, os.path.join(os.path.dirname(name), target)))
        if ok:
            yield member
        else:
            warnings.warn(f"Skipping invalid path during archive extraction: '{name}'.",
                          stacklevel=2)


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extracts a tar (.tar, .tar.gz, .tar.bz2) or zip archive; True if one was found."""
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    file_path, path = os.fspath(file_path), os.fspath(path)
    for kind in formats:
        if kind not in ("tar", "zip"):
            raise NotImplementedError(kind)
        if kind == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as archive:
                members = archive.getmembers()
                links = {m.name: m.linkname for m in members if m.issym() or m.islnk()}
                safe = list(_safe_members(((m.name, m) for m in members), path, links))
                archive.extractall(path, members=safe, filter="data")
            return True
        if kind == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                infos = archive.infolist()
                archive.extractall(path, members=list(
                    _safe_members(((i.filename, i) for i in infos), path)))
            return True
    return False


def _targets(datadir, fname, provided, extract):
    """(file the download goes to, folder an extraction goes to): Keras's layout."""
    if not extract:
        return os.path.join(datadir, fname), None
    if provided and "." in fname:
        stem = fname[:fname.find(".")]
        return os.path.join(datadir, fname), os.path.join(datadir, f"{stem}_extracted")
    return os.path.join(datadir, f"{fname}_archive"), os.path.join(datadir, fname)


def _download(origin, target):
    from urllib.error import HTTPError, URLError
    from urllib.request import urlretrieve
    bar = []

    def progress(block, block_size, total):
        if not bar:
            bar.append(Progbar(None if total == -1 else total))
        done = block * block_size
        bar[0].update(done if total == -1 else min(done, total))

    print_msg(f"Downloading data from {origin}")
    try:
        try:
            urlretrieve(origin, target, progress)
        except HTTPError as e:
            raise Exception(f"URL fetch failure on {origin}: {e.code} -- {e.msg}")
        except URLError as e:
            raise Exception(f"URL fetch failure on {origin}: {e.errno} -- {e.reason}")
    except (Exception, KeyboardInterrupt):
        if os.path.exists(target):
            os.remove(target)
        raise


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """The local path of `origin`'s file, downloaded only when it is not cached yet (or its
    cached copy fails `file_hash`, or `force_download`); with `extract`, the folder it was
    extracted into."""
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(cache_dir if cache_dir is not None else keras_home())
    if not os.access(base, os.W_OK):
        base = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(),
                            ".keras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    provided = fname
    fname = os.fspath(fname) if fname is not None else None
    if not fname:
        from urllib.parse import urlsplit
        fname = os.path.basename(urlsplit(origin).path)
        if not fname or fname in (os.curdir, os.pardir) or os.path.splitdrive(fname)[0]:
            raise ValueError(f"Can't parse the file name from the origin provided: "
                             f"'{origin}'. Please specify the `fname` argument.")
    elif os.sep in fname or (os.altsep and os.altsep in fname):
        raise ValueError("Paths are no longer accepted as the `fname` argument. To specify "
                         "the file's parent directory, use the `cache_dir` argument. "
                         f"Received: fname={fname}")
    target, extraction_dir = _targets(datadir, fname, provided, extract or untar)

    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and not validate_file(target, file_hash,
                                                                     hash_algorithm):
        print_msg("A local file was found, but it seems to be incomplete or outdated "
                  f"because the {hash_algorithm} file hash does not match the original "
                  f"value of {file_hash} so we will re-download the data.")
        download = True
    if download:
        _download(origin, target)
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            raise ValueError(f"Incomplete or corrupted file detected. The {hash_algorithm} "
                             f"file hash does not match the provided value of {file_hash}.")
    if extraction_dir is None:
        return target
    if not extract_archive(target, extraction_dir, "tar" if untar else archive_format):
        warnings.warn("Could not extract archive.", stacklevel=2)
    return extraction_dir
