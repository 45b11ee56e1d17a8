"""The review page in a real browser (issue 12): headless Chromium driven by Selenium
opens the page served by `vidiacritic review`, moves between uncertain words with the
keyboard, picks an alternative with a digit, types a correction, adds a term to the
lexicon and saves; the test then reads OUT and the lexicon file.

Needs Debian's chromium and chromium-driver (installed by .ci/run) and selenium (the
test extra); skipped where they are missing.  The browser runs with no network access
beyond 127.0.0.1 needed: the page loads nothing from elsewhere."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from test_review import TEXT, Review, fix_output, render

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="chromium and chromedriver are not installed")


@pytest.fixture
def browser(tmp_path):
    opts = Options()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,800"):
        opts.add_argument(flag)
    drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()


def wait_for(drv, predicate, timeout=30):
    WebDriverWait(drv, timeout).until(lambda d: predicate(d))


def current_index(drv):
    return int(drv.find_element(By.CSS_SELECTOR, ".w.current").get_attribute("data-index"))


def test_keyboard_review_pick_edit_add_term_and_save(tmp_path, browser):
    lex = tmp_path / "terms.txt"
    lex.write_text("# local names\n", encoding="utf-8")
    review = Review(tmp_path, "--lexicon", str(lex))
    try:
        words = review.json("api/words")
        browser.get(review.url)
        wait_for(browser, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
        unsure = [w["index"] for w in words if w["confidence"] < 0.9 and w["source"] != "kept"]
        assert len(unsure) >= 3, "the test text should have uncertain words"
        progress = browser.find_element(By.ID, "progress")
        assert progress.text == f"0 of {len(unsure)} reviewed"
        # the first uncertain word is selected; arrows move between uncertain words
        assert current_index(browser) == unsure[0]
        body = browser.find_element(By.ID, "doc")
        body.send_keys(Keys.ARROW_RIGHT)
        assert current_index(browser) == unsure[1]
        body.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_LEFT)
        assert current_index(browser) == unsure[1]
        # digit 1: the first alternative shown; the page moves on to the next uncertain word
        first_option = browser.find_element(By.CSS_SELECTOR, "#alts li").get_attribute("data-word")
        body.send_keys("1")
        wait_for(browser, lambda d: current_index(d) == unsure[2])
        assert review.json("api/words")[unsure[1]]["chosen"] == first_option
        assert progress.text == f"1 of {len(unsure)} reviewed"
        # typing starts an edit; Enter sets it
        body.send_keys("X")
        edit = browser.find_element(By.ID, "edit")
        edit.send_keys("yz", Keys.ENTER)
        wait_for(browser, lambda d: review.json("api/words")[unsure[2]]["chosen"] == "Xyz")
        # the threshold is adjustable: at 0.5 fewer words are uncertain
        browser.execute_script("const t = document.getElementById('threshold'); t.value = 0.5;"
                               "t.dispatchEvent(new Event('input'));")
        assert int(progress.get_attribute("data-m")) <= len(unsure)
        # add a term to the lexicon, then save
        term = browser.find_element(By.ID, "term")
        term.clear()
        term.send_keys("Huổi Luông")
        browser.find_element(By.ID, "addTerm").click()
        wait_for(browser, lambda d: "Huổi Luông" in lex.read_text(encoding="utf-8"))
        browser.find_element(By.ID, "save").click()
        wait_for(browser, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-saved") == "1")
    finally:
        review.close()
    expected = [dict(w) for w in words]
    expected[unsure[1]]["chosen"] = first_option
    expected[unsure[2]]["chosen"] = "Xyz"
    assert review.out.read_text(encoding="utf-8") == render(TEXT, expected)
    assert lex.read_text(encoding="utf-8") == "# local names\nHuổi Luông\n"
    assert sorted(os.listdir(tmp_path)) == ["in.txt", "out.txt", "profile", "terms.txt"]


def test_save_without_changes_in_the_browser_is_fix_output(tmp_path, browser):
    review = Review(tmp_path)
    try:
        browser.get(review.url)
        wait_for(browser, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
        browser.find_element(By.ID, "doc").send_keys(Keys.CONTROL, "s")
        wait_for(browser, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-saved") == "1")
    finally:
        review.close()
    assert review.out.read_text(encoding="utf-8") == fix_output(tmp_path)
