"""A person works a ticket in headless Chromium (Debian's, via Selenium): sign in, 签收, 答复,
and the citizen hears the answer; a supervisor reads the dashboard. Phone and desktop widths."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from hotline.domain.clock import ManualClock
from hotline.services.registration import NewTicket
from tests.support.browser import browser_available, chromium, live_server
from tests.support.web import PASSWORD, WebWorld, make_world

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not browser_available() and not os.environ.get("CI"),
        reason="chromium and chromium-driver not installed (run scripts/setup.sh)",
    ),
]
ANSWER = "已安排维修班组更换灯泡，今晚恢复照明。"


@pytest.fixture
def world(tmp_path: Path, clock: ManualClock) -> WebWorld:
    w = make_world(tmp_path, clock)
    w.account("lisi", "staff", "urban_management")
    w.account("boss", "supervisor")
    return w


@pytest.fixture
def base(world: WebWorld) -> Iterator[str]:
    with live_server(world.app) as url:
        yield url


def _sign_in(driver: WebDriver, base: str, name: str) -> None:
    driver.get(f"{base}/login")
    driver.find_element(By.NAME, "name").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    _submit(driver, "#login button")


def _gone(element: WebElement) -> Any:
    """Wait condition: the element's page has been replaced. Selenium's staleness_of asks the
    element while ChromeDriver may be swapping documents, which can fail with "Node with given
    id does not belong to the document" instead of a stale reference (a CI run, 2026-12-05):
    that answer also means the old page is gone."""

    def check(_: WebDriver) -> bool:
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return True
            raise
        return False

    return check


def _submit(driver: WebDriver, css: str) -> None:
    """Press a button and wait for the next page (the old one goes stale)."""
    button = driver.find_element(By.CSS_SELECTOR, css)
    button.click()
    WebDriverWait(driver, 10).until(_gone(button))


def _fits(driver: WebDriver, width: int) -> None:
    """Nothing is cut off: the page never scrolls sideways at this width."""
    scroll = driver.execute_script("return document.documentElement.scrollWidth")
    assert scroll <= width, f"page is {scroll}px wide at {width}px"


def _shot(driver: WebDriver, tmp_path: Path, name: str) -> None:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(driver.get_window_size()["width"], max(int(height) + 120, 600))
    driver.save_screenshot(str(tmp_path / f"{name}.png"))


def _open(world: WebWorld) -> str:
    return world.app.service.tickets.open_ticket(
        NewTicket(
            channel="console",
            channel_user_id="citizen-1",
            description="人民路与解放路交叉口的路灯连续三晚不亮，行人很多，存在安全隐患。",
            category="street_light",
            address="人民路与解放路交叉口",
            contact_phone="13812345678",
        )
    ).number


@pytest.mark.parametrize("width", [390, 1280])
def test_staff_accept_and_answer_in_the_browser(
    world: WebWorld, base: str, tmp_path: Path, width: int
) -> None:
    number = _open(world)
    with chromium(width, 900) as driver:
        _sign_in(driver, base, "lisi")
        assert "待办队列" in driver.find_element(By.TAG_NAME, "h1").text
        _fits(driver, width)
        _submit(driver, f"a[href='/tickets/{number}']")
        assert "13812345678" not in driver.page_source
        _fits(driver, width)
        _submit(driver, "#act-accept button")
        assert "已签收" in driver.find_element(By.CSS_SELECTOR, "p.ok").text
        driver.find_element(By.CSS_SELECTOR, "#add-note textarea").send_keys("已约电工明早到场")
        _submit(driver, "#add-note button")
        assert "已添加内部备注" in driver.find_element(By.CSS_SELECTOR, "p.ok").text
        assert "已约电工明早到场" in driver.find_element(By.CSS_SELECTOR, "#notes").text
        _fits(driver, width)
        driver.find_element(By.CSS_SELECTOR, "#act-resolve textarea").send_keys(ANSWER)
        _submit(driver, "#act-resolve button")
        assert "已答复，待回访" in driver.find_element(By.CSS_SELECTOR, "h1").text
        assert ANSWER in driver.find_element(By.CSS_SELECTOR, ".timeline").text
        _fits(driver, width)
        _shot(driver, tmp_path, f"ticket-{width}")
    assert world.app.service.views.get_ticket(number).status == "resolved"
    heard = world.app.service.tickets.pull_citizen_messages("console", "citizen-1")
    assert any(ANSWER in text for text in heard), heard


@pytest.mark.parametrize("width", [390, 1280])
def test_supervisor_reads_the_dashboard(
    world: WebWorld, base: str, tmp_path: Path, width: int
) -> None:
    _open(world)
    with chromium(width, 900) as driver:
        _sign_in(driver, base, "boss")
        assert "统计看板" in driver.find_element(By.TAG_NAME, "h1").text
        _submit(driver, "a[href='?period=today']")
        text = driver.find_element(By.TAG_NAME, "main").text
        for word in ("响应率", "解决率", "满意率", "按时办结率", "城市管理局"):
            assert word in text
        link = driver.find_element(By.PARTIAL_LINK_TEXT, "下载报表包")
        assert (link.get_attribute("href") or "").endswith("/dashboard/pack.zip?period=today")
        _fits(driver, width)
        _shot(driver, tmp_path, f"dashboard-{width}")
