"""The mock's forms: at VNeID's sign-in, an identity typed by hand (the demo identities are picked instead);
on the national portal, a dossier filed online (the page and the NopHoSo API check it alike)."""

import datetime as dt
import re

from django import forms
from django.utils import timezone

from . import vocabulary as v
from .models import Citizen, Organization
from .selectors import Document

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


# --- A dossier filed online -------------------------------------------------------------------------------

MAX_FILE_BYTES = 10 * 1024 * 1024
# What a document may be, known by its first bytes (the name and the browser's word are not trusted).
FILE_TYPES = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
AGENCY_CODE = re.compile(r"[0-9A-Za-z.\-]{1,40}")
CONTACT_PHONE = re.compile(r"(\+84|84|0)[0-9]{9,10}")


def file_type(head: bytes) -> str | None:
    """The MIME type of a PDF, JPEG or PNG file from its first bytes; None for anything else."""
    return next((mime for magic, mime in FILE_TYPES if head.startswith(magic)), None)


def _short(text: str, length: int = 90) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


class DocumentField(forms.FileField):
    """One document's upload: PDF, JPEG or PNG (by its content), at most 10 MB. Its ``content_type`` is set to
    the type its content shows."""

    def __init__(self, document: Document, **kwargs):
        super().__init__(
            label=document.title, required=document.required, allow_empty_file=False,
            widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
            error_messages={"required": f"Chưa đính kèm giấy tờ bắt buộc: {_short(document.title)}.",
                            "empty": "Tệp đính kèm rỗng.", "missing": "Không nhận được tệp.",
                            "invalid": "Tệp gửi lên không hợp lệ: biểu mẫu phải gửi dạng multipart/form-data."},
            **kwargs,
        )
        self.document = document

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return upload
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(f"Tệp “{_short(upload.name, 60)}” lớn hơn 10 MB.")
        upload.seek(0)
        detected = file_type(upload.read(8))
        upload.seek(0)
        if detected is None:
            raise forms.ValidationError(f"Tệp “{_short(upload.name, 60)}” không phải PDF, JPEG hoặc PNG.")
        upload.content_type = detected
        return upload


class SubmissionForm(forms.Form):
    """A dossier as a citizen files it online: the receiving agency's code (optional), the request, one file
    per document of the procedure (``tep_<index>``, required where the catalog says BATBUOC 1), a phone number
    and an e-mail address (optional), and whom it is for (LoaiDoiTuong: 1 the person, 2 the organization they
    represent, when they represent one). The field names are the national API's."""

    MaDonViTiepNhan = forms.CharField(
        label="Mã đơn vị tiếp nhận (không bắt buộc)", required=False, max_length=40,
        help_text="Mã định danh điện tử của cơ quan tiếp nhận ở tỉnh, ví dụ 000.00.31.H48.",
        error_messages={"max_length": "Mã đơn vị tiếp nhận dài quá 40 ký tự."},
    )
    NoiDungYeuCau = forms.CharField(
        label="Nội dung yêu cầu", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": REQUIRED.format("nội dung yêu cầu"),
                        "max_length": "Nội dung yêu cầu dài quá 2000 ký tự."},
    )
    LoaiDoiTuong = forms.TypedChoiceField(
        label="Nộp hồ sơ cho", coerce=int, required=False, empty_value=1, initial=1, widget=forms.RadioSelect,
        error_messages={"invalid_choice": "LoaiDoiTuong phải là 1 (công dân), hoặc 2 (tổ chức) khi bạn là người "
                                          "đại diện của một tổ chức."},
    )
    SoDienThoai = forms.CharField(label="Số điện thoại (không bắt buộc)", required=False, max_length=20)
    Email = forms.EmailField(label="Thư điện tử (không bắt buộc)", required=False, max_length=254,
                             error_messages={"invalid": "Địa chỉ thư điện tử không hợp lệ."})

    def __init__(self, *args, documents: list[Document], organization: Organization | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.documents = documents
        self.organization = organization
        choices = [(1, "Bản thân tôi")]
        if organization is not None:
            choices.append((2, f"Tổ chức: {organization.name} (mã số thuế {organization.tax_code})"))
        self.fields["LoaiDoiTuong"].choices = choices
        for document in documents:
            self.fields[f"tep_{document.index}"] = DocumentField(document)

    def clean_MaDonViTiepNhan(self) -> str:
        value = self.cleaned_data["MaDonViTiepNhan"].strip()
        if value and not AGENCY_CODE.fullmatch(value):
            raise forms.ValidationError("Mã đơn vị tiếp nhận chỉ gồm chữ, số, dấu chấm và gạch ngang "
                                        "(ví dụ 000.00.31.H48).")
        return value

    def clean_NoiDungYeuCau(self) -> str:
        value = self.cleaned_data["NoiDungYeuCau"].strip()
        if not value:
            raise forms.ValidationError(REQUIRED.format("nội dung yêu cầu"))
        return value

    def clean_SoDienThoai(self) -> str:
        value = re.sub(r"[\s.\-()]", "", self.cleaned_data["SoDienThoai"])
        if value and not CONTACT_PHONE.fullmatch(value):
            raise forms.ValidationError("Số điện thoại không hợp lệ (ví dụ 0905123456).")
        return value

    def uploads(self) -> list[tuple[Document, object]]:
        """The documents attached, each with its upload, in the procedure's order (after is_valid)."""
        return [(d, self.cleaned_data[f"tep_{d.index}"]) for d in self.documents if self.cleaned_data.get(f"tep_{d.index}")]
