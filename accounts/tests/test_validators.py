"""The identity validators: personal ID number, tax code, phone."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts.validators import validate_citizen_id, validate_phone, validate_tax_code


def _code(value, **kwargs):
    with pytest.raises(ValidationError) as info:
        validate_citizen_id(value, **kwargs)
    return info.value.code


class TestCitizenId:
    @pytest.mark.parametrize("value", ["048090001234", "001185000001", "079203123456", "096300000000"])
    def test_valid_numbers_pass(self, value):
        validate_citizen_id(value)

    @pytest.mark.parametrize("value", ["", "04809000123", "0480900012345", "04809000123a", "048 090 001 234", None])
    def test_anything_but_twelve_digits_is_refused(self, value):
        assert _code(value) == "format"

    @pytest.mark.parametrize("province", ["000", "003", "005", "097", "999"])
    def test_unknown_province_code_is_refused(self, province):
        assert _code(f"{province}090001234") == "province"

    def test_unknown_province_message_names_the_code(self):
        with pytest.raises(ValidationError) as info:
            validate_citizen_id("003090001234")
        assert "003" in info.value.messages[0]

    @pytest.mark.parametrize(
        ("value", "born"),
        [
            ("048090001234", dt.date(1990, 5, 12)),  # 0: 20th century, male
            ("048190001234", dt.date(1990, 5, 12)),  # 1: 20th century, female
            ("048205001234", dt.date(2005, 1, 1)),  # 2: 21st century, male
            ("048300001234", dt.date(2000, 1, 1)),  # 3: 21st century, year 00
            ("048099001234", dt.date(1999, 12, 31)),
            ("048400001234", dt.date(2100, 1, 1)),  # 4: 22nd century
        ],
    )
    def test_century_and_year_digits_agree_with_the_date_of_birth(self, value, born):
        validate_citizen_id(value, date_of_birth=born)

    @pytest.mark.parametrize(
        ("value", "born"),
        [
            ("048090001234", dt.date(1991, 5, 12)),  # year digits say 90
            ("048290001234", dt.date(1990, 5, 12)),  # century digit says 2090
            ("048000001234", dt.date(2000, 1, 1)),  # 0 + 00 is 1900
            ("048305001234", dt.date(1905, 1, 1)),
        ],
    )
    def test_a_year_of_birth_that_disagrees_is_refused(self, value, born):
        assert _code(value, date_of_birth=born) == "birth_year"

    def test_gender_follows_the_parity_of_the_fourth_digit(self):
        born_1990, born_2005 = dt.date(1990, 5, 12), dt.date(2005, 5, 12)
        validate_citizen_id("048090001234", date_of_birth=born_1990, gender="male")
        validate_citizen_id("048190001234", date_of_birth=born_1990, gender="female")
        validate_citizen_id("048205001234", date_of_birth=born_2005, gender="male")
        validate_citizen_id("048305001234", date_of_birth=born_2005, gender="female")
        assert _code("048090001234", date_of_birth=born_1990, gender="female") == "gender"
        assert _code("048190001234", date_of_birth=born_1990, gender="male") == "gender"
        assert _code("048305001234", date_of_birth=born_2005, gender="male") == "gender"

    def test_gender_is_not_checked_without_it(self):
        validate_citizen_id("048190001234", date_of_birth=dt.date(1990, 1, 1), gender="")
        validate_citizen_id("048190001234", date_of_birth=dt.date(1990, 1, 1))


class TestTaxCode:
    @pytest.mark.parametrize("value", ["0100109106", "0300588569", "0100109106-001", "0300588569-123", "0401001233"])
    def test_valid_codes_pass(self, value):
        validate_tax_code(value)

    @pytest.mark.parametrize("value", ["0100109107", "0100109105", "0300588560", "0100109107-001"])
    def test_a_wrong_check_digit_is_refused(self, value):
        with pytest.raises(ValidationError) as info:
            validate_tax_code(value)
        assert info.value.code == "checksum"

    @pytest.mark.parametrize(
        "value", ["", "010010910", "01001091061", "0100109106-01", "0100109106-0011", "0100109106_001", "01001O9106"]
    )
    def test_a_malformed_code_is_refused(self, value):
        with pytest.raises(ValidationError) as info:
            validate_tax_code(value)
        assert info.value.code == "format"

    def test_a_base_whose_check_would_be_ten_never_validates(self):
        # 9 digits whose weighted sum is a multiple of 11 have no check digit: no 10-digit code is valid.
        weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
        base = next(
            f"{n:09d}" for n in range(100_000_000, 100_001_000)
            if sum(int(d) * w for d, w in zip(f"{n:09d}", weights, strict=True)) % 11 == 0
        )
        for last in "0123456789":
            with pytest.raises(ValidationError):
                validate_tax_code(base + last)


class TestPhone:
    @pytest.mark.parametrize("value", ["0905123456", "0905 123 456", "0905.123.456", "+84905123456", "0355123456"])
    def test_valid_mobile_numbers_pass(self, value):
        validate_phone(value)

    @pytest.mark.parametrize("value", ["02363821111", "0236 3821 111", "024.3823.4567", "+842363821111"])
    def test_valid_landline_numbers_pass(self, value):
        validate_phone(value)

    @pytest.mark.parametrize("value", ["", "905123456", "09051234567", "+8490512345", "0905-123-456", "phone", "84905123456", "023638211112"])
    def test_invalid_numbers_are_refused(self, value):
        with pytest.raises(ValidationError) as info:
            validate_phone(value)
        assert info.value.code == "phone"


def test_the_63_province_codes():
    from accounts.validators import PROVINCE_CODES

    assert len(PROVINCE_CODES) == 63
    assert {"001", "048", "079", "096"} <= PROVINCE_CODES
