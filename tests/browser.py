"""What the browser tests share: logging in through the login page, as a user does."""


def log_in(page, base_url: str, username: str, password: str, next_url: str) -> None:
    """Log ``username`` in on ``base_url``'s login page and wait until it lands on ``next_url``."""
    page.goto(f"{base_url}/tai-khoan/dang-nhap/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"**{next_url}")
