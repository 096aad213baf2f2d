"""Validators for Vietnamese identity numbers: the 12-digit personal ID, tax codes, phone numbers."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Province codes of the personal ID number (Circular 59/2021/TT-BCA, Annex I): the first three digits
# are the place of birth registration. 63 codes as issued; the 2025 province mergers kept them.
PROVINCE_CODES = frozenset(
    [
        "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022", "024", "025",
        "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042", "044", "045", "046", "048",
        "049", "051", "052", "054", "056", "058", "060", "062", "064", "066", "067", "068", "070", "072", "074", "075",
        "077", "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093", "094", "095", "096",
    ]
)

# The fourth digit tells the century of birth and the gender: 0/1 for the 20th century (male/female),
# 2/3 for the 21st, 4/5 for the 22nd, 6/7 for the 23rd, 8/9 for the 24th.
_CENTURY_START = {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100, 6: 2200, 7: 2200, 8: 2300, 9: 2300}


def validate_citizen_id(value: str, *, date_of_birth: dt.date | None = None, gender: str | None = None) -> None:
    """Check a 12-digit personal ID number (số định danh cá nhân / CCCD).

    With a date of birth (and gender), also check that the number's century, gender and year digits
    agree with them, as the issuing rules make them.
    """
    if not re.fullmatch(r"\d{12}", value or ""):
        raise ValidationError(_("The citizen ID number must have exactly 12 digits."), code="format")
    if value[:3] not in PROVINCE_CODES:
        raise ValidationError(
            _("The citizen ID number starts with an unknown province code (%(code)s).") % {"code": value[:3]},
            code="province",
        )
    if date_of_birth is not None:
        marker = int(value[3])
        year = _CENTURY_START[marker] + int(value[4:6])
        if year != date_of_birth.year:
            raise ValidationError(
                _("The citizen ID number does not match the year of birth %(year)s.") % {"year": date_of_birth.year},
                code="birth_year",
            )
        if gender in ("male", "female"):
            expected = "male" if marker % 2 == 0 else "female"
            if gender != expected:
                raise ValidationError(_("The citizen ID number does not match the gender."), code="gender")


_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def validate_tax_code(value: str) -> None:
    """Check a tax code (mã số thuế): 10 digits with the check digit, optionally '-NNN' for a branch."""
    match = re.fullmatch(r"(\d{10})(-\d{3})?", value or "")
    if not match:
        raise ValidationError(
            _("A tax code has 10 digits, or 10 digits, a hyphen and 3 digits for a branch."), code="format"
        )
    digits = [int(c) for c in match.group(1)]
    check = 10 - sum(d * w for d, w in zip(digits[:9], _TAX_WEIGHTS, strict=True)) % 11
    if check != digits[9]:
        raise ValidationError(_("This tax code's check digit is wrong: please check it."), code="checksum")


def validate_phone(value: str) -> None:
    """Check a Vietnamese phone number: a mobile has 10 digits starting with 0, a landline 11 digits
    starting with 02 (a 3-digit area code since 2017, e.g. 0236 3821 111); +84 may replace the 0."""
    compact = re.sub(r"[\s.]", "", value or "")
    if not re.fullmatch(r"(0|\+84)(\d{9}|2\d{9})", compact):
        raise ValidationError(_("Enter a phone number such as 0905 123 456."), code="phone")
