"""The shared file store (server/files.py): judged by content, size-limited, named by hash, read back hash-checked."""

from __future__ import annotations

import hashlib

import pytest

from server.errors import NotFound, ProblemCollector, ValidationFailed
from server.files import DOCUMENT_TYPES, IMAGE_TYPES, FileStore, sanitise_name
from tests.server.families.conftest import EXE, JPEG, PDF, PNG


@pytest.fixture
def store(tmp_path) -> FileStore:  # type: ignore[no-untyped-def]
    return FileStore(tmp_path / "files", 1024, DOCUMENT_TYPES)


def _codes(store: FileStore, data: bytes) -> list[str]:
    problems = ProblemCollector()
    store.check(data, problems)
    return [p.code for p in problems.problems]


def test_the_content_decides_the_type_not_the_name(store):
    assert [store.describe(data).content_type for data in (PDF, PNG, JPEG)] == [
        "application/pdf", "image/png", "image/jpeg"]


def test_a_program_is_refused(store):
    assert _codes(store, EXE) == ["unsupported_file_type"]


def test_an_empty_file_and_one_over_the_limit_are_refused(store):
    assert (_codes(store, b""), _codes(store, PDF + b"\0" * 2048)) == (["empty_file"], ["file_too_large"])


def test_an_image_only_store_refuses_a_pdf(tmp_path):
    assert _codes(FileStore(tmp_path, 1024, IMAGE_TYPES), PDF) == ["unsupported_file_type"]


def test_describe_raises_every_problem_at_once(store):
    with pytest.raises(ValidationFailed) as refused:
        store.describe(EXE)
    assert [p.code for p in refused.value.problems] == ["unsupported_file_type"]


def test_a_kept_file_is_named_by_its_hash_and_read_back(store):
    kept = store.keep(PDF)
    sha = hashlib.sha256(PDF).hexdigest()
    assert (kept.sha256, store.path(sha), store.read(sha)) == (sha, store.root / sha[:2] / sha, PDF)


def test_keeping_the_same_bytes_twice_writes_one_file(store):
    store.keep(PDF)
    store.keep(PDF)
    assert [p.name for p in store.root.rglob("*") if p.is_file()] == [hashlib.sha256(PDF).hexdigest()]


def test_a_file_changed_on_disk_is_refused(store):
    kept = store.keep(PDF)
    store.path(kept.sha256).write_bytes(PNG)
    with pytest.raises(NotFound) as refused:
        store.read(kept.sha256)
    assert refused.value.code == "file_corrupt"


def test_a_missing_file_is_not_found(store):
    with pytest.raises(NotFound) as refused:
        store.read(hashlib.sha256(b"never kept").hexdigest())
    assert refused.value.code == "file_missing"


def test_only_a_sha256_names_a_path(store):
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")


def test_names_lose_folders_controls_and_odd_characters():
    assert [sanitise_name(n, fallback="attachment") for n in ("../../a.pdf", "b\x00c.png", "", "照片 (1).jpg")] == [
        "a.pdf", "bc.png", "attachment", "照片 (1).jpg"]
