"""A real browser for the web admin: Debian's Chromium, headless, driven by Selenium through
Debian's chromium-driver (Selenium's own download of a driver is not available here)."""

from __future__ import annotations

import base64
import contextlib
import io
import shutil
import tempfile
from collections.abc import Iterator

from PIL import Image
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

__all__ = ["WebDriver"]
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
DESKTOP, PHONE = (1440, 900), (390, 844)


def available() -> bool:
    """Whether Chromium and its driver are installed (`make test-setup` installs them)."""
    return shutil.which(CHROMIUM) is not None and shutil.which(DRIVER) is not None


@contextlib.contextmanager
def chromium(size: tuple[int, int] = DESKTOP, language: str = "en-GB") -> Iterator[WebDriver]:
    """A headless Chromium with its own profile, its viewport `size` CSS pixels."""
    profile = tempfile.mkdtemp(prefix="kiosk-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        f"--user-data-dir={profile}", "--force-device-scale-factor=1", f"--lang={language}",
        "--no-first-run", "--disable-extensions",
    ):  # fmt: skip
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    try:
        resize(driver, size)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def resize(driver: WebDriver, size: tuple[int, int]) -> None:
    """Make the page's viewport `size` CSS pixels (the window's frame is not counted)."""
    width, height = size
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def wait_for(driver: WebDriver, css: str, text: str = "", timeout: float = 5.0) -> None:
    """Wait until an element matching `css` shows (holding `text`, when given)."""
    located = (By.CSS_SELECTOR, css)
    condition = (
        expected_conditions.text_to_be_present_in_element(located, text)
        if text
        else expected_conditions.visibility_of_element_located(located)
    )
    WebDriverWait(driver, timeout).until(condition)


def sign_in(driver: WebDriver, url: str, email: str, password: str) -> None:
    """Sign in through the page, as a person would."""
    driver.get(url + "/admin/signin")
    driver.find_element(By.NAME, "email").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(password)
    submit(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))


def submit(driver: WebDriver, button: WebElement, timeout: float = 10.0) -> None:
    """Click a form's `button` and wait for the page it leads to: the old document carries a
    mark, the new one does not (asked while the page changes, the browser may answer with an
    error: that is waited through too)."""
    driver.execute_script("window.kioskOldPage = true")
    button.click()
    WebDriverWait(driver, timeout, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && window.kioskOldPage === undefined"
        )
    )


def screenshot(driver: WebDriver, full_page: bool = True) -> Image.Image:
    """What the page shows, as an image (the whole page, not only the viewport)."""
    if full_page:
        metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics["cssContentSize"]
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True,
             "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"],
                      "scale": 1}},
        )  # fmt: skip

        return Image.open(io.BytesIO(base64.b64decode(shot["data"])))
    return Image.open(io.BytesIO(driver.get_screenshot_as_png()))


def as_printed(driver: WebDriver, printed: bool = True) -> None:
    """Show the page as it prints (its print style sheet), or as on screen again."""
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print" if printed else ""})
