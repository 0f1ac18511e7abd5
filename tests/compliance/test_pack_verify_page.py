"""The verify.html inside every pack checks the pack in Chromium, with no software of ours."""

from __future__ import annotations

import base64
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from compliance_factories import BuiltPack, rewrite_zip
from playwright.sync_api import Browser, Page

from compliance.pack.layout import canonical_json
from compliance.pack.verify import verify_pack
from compliance.signing import fingerprint, generate_key, public_key_pem
from tests.browser.page_watch import watch_for_errors

pytestmark = pytest.mark.browser

CSV = "registers/出勤登记.csv"
Entries = list[tuple[zipfile.ZipInfo, bytes]]
# A locator, not wait_for_function: the page's CSP forbids the eval that the latter needs.
DONE = ", ".join(f'#verdict[data-state="{state}"]' for state in ("trusted", "self-asserted", "failed"))


@pytest.fixture(scope="module")
def page_url(good_pack: BuiltPack, tmp_path_factory: pytest.TempPathFactory) -> str:
    """verify.html as the inspector gets it: extracted from the pack and opened from disk."""
    target = tmp_path_factory.mktemp("page") / "verify.html"
    with zipfile.ZipFile(good_pack.path) as zf:
        target.write_bytes(zf.read("verify.html"))
    return target.as_uri()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh context that fails the test on any console error, page error or CSP violation."""
    context = browser.new_context(locale="zh-CN")
    problems = watch_for_errors(context)
    page = context.new_page()
    yield page
    context.close()
    assert not problems, "\n".join(problems)


def check(page: Page, url: str, pack: Path, key: str = "") -> tuple[str, list[tuple[str, str]]]:
    """Open the page, give it the key and the pack; the verdict state and every (code, path) it lists."""
    page.goto(url)
    page.fill("#key", key)
    page.set_input_files("#pack", pack)
    page.locator(DONE).wait_for()
    items = page.locator("#problems li")
    codes = [(items.nth(i).get_attribute("data-code") or "", items.nth(i).get_attribute("data-path") or "")
             for i in range(items.count())]
    return page.locator("#verdict").get_attribute("data-state") or "", codes


def tampered(pack: BuiltPack, tmp_path: Path, change: Callable[[Entries], Entries]) -> Path:
    return rewrite_zip(pack.path, tmp_path / "tampered.zip", change)


def replace_entry(entries: Entries, name: str, data: bytes) -> Entries:
    return [(info, data if info.filename == name else body) for info, body in entries]


def published_key(pack: BuiltPack) -> str:
    return public_key_pem(pack.key.public_key()).decode("ascii")


def test_good_pack_is_intact_and_signed_with_the_key_it_carries(page: Page, page_url: str, good_pack: BuiltPack) -> None:
    state, codes = check(page, page_url, good_pack.path)
    key_id = good_pack.result.manifest["key_id"]
    assert (state, codes) == ("self-asserted", [("key_self_asserted", f"keys/{key_id}.pub")])


def test_verdict_says_intact_and_signed_chinese_first(page: Page, page_url: str, good_pack: BuiltPack) -> None:
    check(page, page_url, good_pack.path, published_key(good_pack))
    text = page.locator("#verdict").inner_text()
    assert text.index("资料包完整，签名有效") < text.index("intact and signed")


def test_good_pack_with_the_published_key_pasted_is_trusted(page: Page, page_url: str, good_pack: BuiltPack) -> None:
    assert check(page, page_url, good_pack.path, published_key(good_pack)) == ("trusted", [])


def test_page_shows_the_fingerprint_the_pdf_prints(page: Page, page_url: str, good_pack: BuiltPack) -> None:
    check(page, page_url, good_pack.path)
    assert fingerprint(good_pack.key.public_key()) in page.locator("#facts").inner_text()


def test_key_of_another_centre_is_an_unknown_key(page: Page, page_url: str, good_pack: BuiltPack) -> None:
    other = public_key_pem(generate_key().public_key()).decode("ascii")
    assert check(page, page_url, good_pack.path, other) == ("failed", [("unknown_key", "")])


def test_unreadable_pasted_key_fails_instead_of_trusting_the_pack(page: Page, page_url: str, good_pack: BuiltPack) -> None:
    assert check(page, page_url, good_pack.path, "not a key") == ("failed", [("bad_key", "")])


def test_changed_byte_is_a_hash_mismatch(page: Page, page_url: str, good_pack: BuiltPack, tmp_path: Path) -> None:
    def flip(entries: Entries) -> Entries:
        body = next(b for i, b in entries if i.filename == CSV)
        return replace_entry(entries, CSV, body[:100] + bytes([body[100] ^ 1]) + body[101:])

    pack = tampered(good_pack, tmp_path, flip)
    assert check(page, page_url, pack, published_key(good_pack)) == ("failed", [("hash_mismatch", CSV)])


def test_removed_file_is_missing(page: Page, page_url: str, good_pack: BuiltPack, tmp_path: Path) -> None:
    pack = tampered(good_pack, tmp_path, lambda e: [x for x in e if x[0].filename != CSV])
    assert check(page, page_url, pack, published_key(good_pack)) == ("failed", [("missing_file", CSV)])


def test_added_file_is_extra(page: Page, page_url: str, good_pack: BuiltPack, tmp_path: Path) -> None:
    pack = tampered(good_pack, tmp_path, lambda e: [*e, (zipfile.ZipInfo("备注.txt"), "补充".encode())])
    assert check(page, page_url, pack, published_key(good_pack)) == ("failed", [("extra_file", "备注.txt")])


def test_signature_over_other_bytes_is_bad(page: Page, page_url: str, good_pack: BuiltPack, tmp_path: Path) -> None:
    sig = canonical_json({
        "alg": "Ed25519",
        "key_id": good_pack.result.manifest["key_id"],
        "sig": base64.b64encode(good_pack.key.sign(b"another manifest")).decode(),
    })
    pack = tampered(good_pack, tmp_path, lambda e: replace_entry(e, "manifest.sig", sig))
    assert check(page, page_url, pack, published_key(good_pack)) == ("failed", [("bad_signature", "manifest.sig")])


def test_stored_entries_are_read_as_well_as_deflated_ones(page: Page, page_url: str, good_pack: BuiltPack,
                                                          tmp_path: Path) -> None:
    def store(entries: Entries) -> Entries:
        for info, _ in entries:
            info.compress_type = zipfile.ZIP_STORED
        return entries

    pack = tampered(good_pack, tmp_path, store)
    assert check(page, page_url, pack, published_key(good_pack)) == ("trusted", [])


def test_page_makes_no_network_request(browser: Browser, page_url: str, good_pack: BuiltPack) -> None:
    context = browser.new_context()
    urls: list[str] = []
    context.on("request", lambda request: urls.append(request.url))
    check(context.new_page(), page_url, good_pack.path)
    context.close()
    assert [url for url in urls if not url.startswith(("file:", "blob:", "data:"))] == []


def test_python_verifier_passes_the_pack_that_carries_the_page(good_pack: BuiltPack) -> None:
    report = verify_pack(good_pack.path, trusted_keys=[good_pack.key.public_key()])
    assert (report.ok, report.problems) == (True, [])
