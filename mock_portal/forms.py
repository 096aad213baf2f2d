"""The mock VNeID's sign-in form: an identity typed by hand (the demo identities are picked instead)."""

import datetime as dt

from django import forms
from django.utils import timezone

from . import vocabulary as v
from .models import Citizen

REQUIRED = "Vui lòng nhập {}."


class DeclaredIdentityForm(forms.Form):
    """A person as they type themselves in; with an organization when they sign in as its representative."""

    id_number = forms.CharField(label="Số định danh cá nhân (12 chữ số)", max_length=20,
                                error_messages={"required": REQUIRED.format("số định danh cá nhân")})
    full_name = forms.CharField(label="Họ và tên", max_length=100,
                                error_messages={"required": REQUIRED.format("họ và tên")})
    birth_date = forms.DateField(
        label="Ngày sinh", input_formats=["%Y-%m-%d", "%d/%m/%Y"], widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": REQUIRED.format("ngày sinh"),
                        "invalid": "Ngày sinh không hợp lệ (dạng ngày/tháng/năm, ví dụ 12/05/1990)."},
    )
    gender = forms.ChoiceField(label="Giới tính", choices=Citizen.Gender.choices, widget=forms.RadioSelect,
                               error_messages={"required": "Vui lòng chọn giới tính.",
                                               "invalid_choice": "Giới tính phải là Nam hoặc Nữ."})
    permanent_address = forms.CharField(label="Nơi thường trú", max_length=255,
                                        error_messages={"required": REQUIRED.format("nơi thường trú")})
    tax_code = forms.CharField(label="Mã số thuế của tổ chức (10 hoặc 13 chữ số)", max_length=20, required=False)
    organization_name = forms.CharField(label="Tên tổ chức", max_length=255, required=False)
    head_office = forms.CharField(label="Địa chỉ trụ sở", max_length=255, required=False)

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"].strip().replace(" ", "")
        error = v.id_number_error(value)
        if error:
            raise forms.ValidationError(error)
        return value

    def clean_full_name(self) -> str:
        value = " ".join(self.cleaned_data["full_name"].split())
        if any(c.isdigit() for c in value):
            raise forms.ValidationError("Họ và tên không được chứa chữ số.")
        return value

    def clean_birth_date(self) -> dt.date:
        value = self.cleaned_data["birth_date"]
        if value > timezone.localdate():
            raise forms.ValidationError("Ngày sinh không được sau ngày hôm nay.")
        if value.year < 1900:
            raise forms.ValidationError("Ngày sinh không hợp lệ: năm sinh phải từ 1900.")
        return value

    def clean(self):
        data = super().clean()
        typed = [data.get(name, "").strip() for name in ("tax_code", "organization_name", "head_office")]
        if not any(typed):
            return data
        if not typed[0]:
            self.add_error("tax_code", "Vui lòng nhập mã số thuế của tổ chức, hoặc để trống cả phần tổ chức.")
        elif v.tax_code(typed[0]) is None:
            self.add_error("tax_code", "Mã số thuế phải gồm 10 chữ số, hoặc 13 chữ số với chi nhánh.")
        else:
            data["tax_code"] = v.tax_code(typed[0])
        if not typed[1]:
            self.add_error("organization_name", REQUIRED.format("tên tổ chức"))
        if not typed[2]:
            self.add_error("head_office", REQUIRED.format("địa chỉ trụ sở của tổ chức"))
        return data
