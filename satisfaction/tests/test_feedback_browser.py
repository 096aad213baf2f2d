"""Feedback in headless Chromium: a visitor without an account sends feedback from a procedure's page and gets
its code; the ward's specialist accepts and answers it from the officials' queue; the visitor finds it again by
its code and phone number, reads the answer and rates it. Screenshots: /tmp/feedback-*.png."""

import pytest
from django.utils.translation import gettext

from satisfaction.models import Feedback
from tests.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_sends_feedback_the_agency_answers_and_the_visitor_rates_it(office, live_server, page, browser):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/thu-tuc/{office['birth'].code}/")
    page.get_by_role("link", name=gettext("Send feedback about this procedure")).click()
    page.wait_for_url("**/phan-anh-kien-nghi/gui/?thu-tuc=1.001193")
    page.locator("input[name=kind][value=question]").check()
    page.fill("input[name=title]", "Khai sinh cho con sinh ở nước ngoài")
    page.fill("textarea[name=content]", "Con tôi sinh ở Nhật Bản, về nước thì đăng ký khai sinh ở đâu?")
    page.fill("input[name=name]", "Trần Quốc Bảo")
    page.fill("input[name=phone]", "0914 222 333")
    page.screenshot(path="/tmp/feedback-form.png", full_page=True)
    page.get_by_role("button", name=gettext("Send the feedback")).click()
    page.locator(".cz-big-code").wait_for()
    feedback = Feedback.objects.get()
    assert page.locator(".cz-big-code").inner_text() == feedback.code
    assert (feedback.sender, feedback.sender_phone, feedback.agency) == (None, "0914222333", office["ward"])
    page.screenshot(path="/tmp/feedback-sent.png", full_page=True)

    official = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(official, live_server.url, "ward-specialist", "x-password-123", "/phan-anh-kien-nghi/xu-ly/")
    official.get_by_role("link", name=feedback.code).click()
    official.locator("#action-accept summary").click()
    official.locator("#action-accept button[type=submit]").click()
    official.locator(".message-success").wait_for()
    official.locator("#action-answer summary").click()
    official.fill("textarea[name=answer-text]", "Ông/Bà đăng ký khai sinh tại Ủy ban nhân dân cấp xã nơi cư trú.")
    official.locator("#action-answer button[type=submit]").click()
    official.locator(".message-success").wait_for()
    official.screenshot(path="/tmp/feedback-staff.png", full_page=True)
    feedback.refresh_from_db()
    assert feedback.state == "answered" and feedback.handled_by == office["specialist"]

    visitor = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone, another session
    visitor.goto(f"{live_server.url}/phan-anh-kien-nghi/tra-cuu/")
    visitor.fill("input[name=code]", feedback.code)
    visitor.fill("input[name=contact]", "0914222333")
    visitor.get_by_role("button", name=gettext("Look up")).click()
    visitor.wait_for_url(f"**/phan-anh-kien-nghi/{feedback.code}/")
    assert "Ủy ban nhân dân cấp xã nơi cư trú" in visitor.locator("#answer").inner_text()
    visitor.locator("#rate input[name=level][value='1']").check()
    visitor.fill("#rate textarea[name=comment]", "Trả lời rõ ràng, cảm ơn.")
    visitor.locator("#rate button[type=submit]").click()
    visitor.locator(".message-success").wait_for()
    visitor.screenshot(path="/tmp/feedback-rated.png", full_page=True)
    feedback.refresh_from_db()
    assert (feedback.answer_level, feedback.answer_comment) == (1, "Trả lời rõ ràng, cảm ơn.")
    assert list(feedback.events.values_list("action", flat=True)) == ["submit", "accept", "answer", "rate_answer"]
