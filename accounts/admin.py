"""Administration of users, businesses and staff memberships.

Every membership change made here goes through the services, so that role groups and ``is_staff``
always follow the memberships. Official accounts are created only here: the add form takes the first
agency and role and calls ``staff_account_create``.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from procedures.models import Agency, StaffRole

from . import services
from .models import Business, BusinessMembership, CitizenProfile, StaffMembership, User
from .validators import validate_citizen_id


def _agency_choices():
    return Agency.objects.get_tree().filter(is_active=True)


class AgencyChoiceField(forms.ModelChoiceField):
    """Active agencies as an indented tree."""

    def label_from_instance(self, obj):
        return "\u2003" * (obj.depth - 1) + obj.name


# --- Inlines ------------------------------------------------------------------------------------


class CitizenProfileAdminForm(forms.ModelForm):
    class Meta:
        model = CitizenProfile
        fields = ["full_name", "id_number", "date_of_birth", "gender", "phone", "address"]

    def clean(self):
        cleaned = super().clean()
        id_number, dob = cleaned.get("id_number"), cleaned.get("date_of_birth")
        if id_number and dob:
            try:
                validate_citizen_id(id_number, date_of_birth=dob, gender=cleaned.get("gender") or None)
            except ValidationError as exc:
                self.add_error("id_number", exc)
        return cleaned


class CitizenProfileInline(admin.StackedInline):
    """Corrections of a citizen's identity, after checking their ID card (saved by ``citizen_profile_correct``)."""

    model = CitizenProfile
    form = CitizenProfileAdminForm
    can_delete = False
    extra = 0
    max_num = 1

    def has_add_permission(self, request, obj=None):
        return False  # a citizen profile comes from registration, with its checks


class BusinessMembershipForm(forms.ModelForm):
    """Refuses, before saving, what ``business_membership_add`` would refuse: an account without a
    citizen profile acting for a business."""

    class Meta:
        model = BusinessMembership
        fields = ["user", "business", "is_representative"]

    def clean(self):
        cleaned = super().clean()
        user_id = cleaned["user"].pk if cleaned.get("user") else self.instance.user_id
        if user_id and not self.instance.pk and not CitizenProfile.objects.filter(user_id=user_id).exists():
            raise ValidationError(_("Only a citizen account can act for a business."))
        return cleaned


class BusinessMembershipInline(admin.TabularInline):
    model = BusinessMembership
    form = BusinessMembershipForm
    extra = 0
    autocomplete_fields = ["business"]
    verbose_name = _("business the user acts for")
    verbose_name_plural = _("businesses the user acts for")


class BusinessMemberInline(admin.TabularInline):
    model = BusinessMembership
    form = BusinessMembershipForm
    extra = 0
    autocomplete_fields = ["user"]
    verbose_name = _("person who acts for the business")
    verbose_name_plural = _("people who act for the business")


class StaffMembershipForm(forms.ModelForm):
    class Meta:
        model = StaffMembership
        fields = ["user", "agency", "role", "title"]

    def clean_agency(self):
        agency = self.cleaned_data["agency"]
        unchanged = self.instance.pk and self.instance.agency_id == agency.pk
        if not agency.is_active and not unchanged:
            raise ValidationError(_("This agency is no longer active."))
        return agency


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    form = StaffMembershipForm
    extra = 0
    autocomplete_fields = ["agency"]
    fields = ["agency", "role", "title"]


def _formset_save_through_services(formset, user: User | None = None, business: Business | None = None) -> None:
    """Apply an inline formset's additions, changes and deletions with the services."""
    model = formset.model
    formset.save(commit=False)
    if model is StaffMembership:
        for membership in formset.deleted_objects:
            services.staff_membership_remove(membership=membership)
        for membership, _changed in formset.changed_objects:
            services.staff_membership_change(
                membership=StaffMembership.objects.get(pk=membership.pk),
                agency=membership.agency,
                role=membership.role,
                title=membership.title,
            )
        for membership in formset.new_objects:
            services.staff_membership_add(
                user=user or membership.user, agency=membership.agency, role=membership.role, title=membership.title
            )
    elif model is BusinessMembership:
        for membership in formset.deleted_objects:
            services.business_membership_remove(membership=membership)
        for membership, _changed in formset.changed_objects:
            services.business_membership_change(
                membership=BusinessMembership.objects.get(pk=membership.pk),
                business=membership.business,
                is_representative=membership.is_representative,
            )
        for membership in formset.new_objects:
            services.business_membership_add(
                user=user or membership.user,
                business=business or membership.business,
                is_representative=membership.is_representative,
            )
    elif model is CitizenProfile:
        for profile, _changed in formset.changed_objects:
            services.citizen_profile_correct(
                profile=CitizenProfile.objects.get(pk=profile.pk),
                full_name=profile.full_name,
                id_number=profile.id_number,
                date_of_birth=profile.date_of_birth,
                gender=profile.gender,
                phone=profile.phone,
                address=profile.address,
            )
    else:  # pragma: no cover - every inline of this module is handled above
        raise TypeError(f"no service saves {model.__name__} rows from the admin")


# --- Users --------------------------------------------------------------------------------------


class StaffAccountCreationForm(forms.ModelForm):
    """A new official's account and their first role; checked by ``staff_account_validate``."""

    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    agency = AgencyChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=StaffRole.choices)
    title = forms.CharField(label=_("Job title"), max_length=150, required=False)

    class Meta:
        model = User
        fields = ["username", "email", "last_name", "first_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _agency_choices()
        for name in ("email", "first_name", "last_name"):
            self.fields[name].required = True

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password2") and cleaned["password1"] != cleaned["password2"]:
            self.add_error("password2", _("The two passwords are not the same: type them again."))
        if self.errors:
            return cleaned
        try:
            services.staff_account_validate(
                username=cleaned["username"],
                password=cleaned["password1"],
                email=cleaned["email"],
                first_name=cleaned["first_name"],
                last_name=cleaned["last_name"],
                agency=cleaned["agency"],
                role=cleaned["role"],
                title=cleaned.get("title", ""),
            )
        except ValidationError as exc:
            for field, errors in exc.error_dict.items():
                self.add_error("password1" if field == "password" else field, errors)
        return cleaned

    def save(self, commit=True):
        # The account is written by staff_account_create in UserAdmin.save_model, never here.
        return self.instance


class UserKindFilter(admin.SimpleListFilter):
    title = _("kind of account")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("citizen", _("Citizen")), ("business", _("Business")), ("official", _("Official"))]

    def queryset(self, request, queryset):
        if self.value() == "citizen":
            return queryset.filter(citizen_profile__isnull=False)
        if self.value() == "business":
            return queryset.filter(Exists(BusinessMembership.objects.filter(user=OuterRef("pk"))))
        if self.value() == "official":
            return queryset.filter(Exists(StaffMembership.objects.filter(user=OuterRef("pk"))))
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = StaffAccountCreationForm
    add_form_template = None
    add_fieldsets = (
        (None, {"fields": ("username", "password1", "password2")}),
        (_("Official"), {"fields": ("last_name", "first_name", "email")}),
        (_("First role"), {"fields": ("agency", "role", "title")}),
    )
    # Django's fieldsets (and their translations), with the family name first as Vietnamese names go.
    fieldsets = (
        DjangoUserAdmin.fieldsets[0],
        (DjangoUserAdmin.fieldsets[1][0], {"fields": ("last_name", "first_name", "email")}),
        *DjangoUserAdmin.fieldsets[2:],
    )
    inlines = [CitizenProfileInline, BusinessMembershipInline, StaffMembershipInline]
    list_display = ["username", "display_name", "email", "kind", "is_active", "is_staff", "last_login"]
    list_filter = [UserKindFilter, "staff_memberships__role", "is_active", "is_staff", "is_superuser"]
    list_select_related = ["citizen_profile"]
    search_fields = [
        "username",
        "email",
        "first_name",
        "last_name",
        "citizen_profile__full_name",
        "citizen_profile__id_number",
        "business_memberships__business__tax_code",
    ]
    # Groups and is_staff follow the staff memberships (services._staff_access_sync): not edited by hand.
    always_readonly = ("is_staff", "groups", "last_login", "date_joined")
    superuser_only = ("is_superuser", "user_permissions")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                has_staff=Exists(StaffMembership.objects.filter(user=OuterRef("pk"))),
                has_business=Exists(BusinessMembership.objects.filter(user=OuterRef("pk"))),
            )
        )

    @admin.display(description=_("full name"), ordering="citizen_profile__full_name")
    def display_name(self, obj):
        return obj.display_name

    @admin.display(description=_("kind of account"))
    def kind(self, obj):
        kinds = []
        if getattr(obj, "citizen_profile", None) is not None:
            kinds.append(_("Citizen"))
        if getattr(obj, "has_business", False):
            kinds.append(_("Business"))
        if getattr(obj, "has_staff", False):
            kinds.append(_("Official"))
        return ", ".join(str(k) for k in kinds) or "—"

    def get_inlines(self, request, obj):
        return [] if obj is None else super().get_inlines(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        readonly = list(self.always_readonly)
        if not request.user.is_superuser:
            readonly += self.superuser_only
        return readonly

    def has_change_permission(self, request, obj=None):
        # Only a superuser changes a superuser (else an administrator could take over their account).
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        user = services.staff_account_create(
            username=data["username"],
            password=data["password1"],
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            agency=data["agency"],
            role=data["role"],
            title=data.get("title", ""),
        )
        # The admin goes on with the unsaved form instance (log entry, redirect): make it the new user.
        obj.pk = user.pk
        obj._state.adding = False
        obj._state.db = user._state.db

    def save_related(self, request, form, formsets, change):
        if not change:
            return  # the add form has no relations besides what staff_account_create wrote
        form.save_m2m()  # user permissions (superusers only); groups are read-only here
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        _formset_save_through_services(formset, user=form.instance)


# --- Businesses and memberships ------------------------------------------------------------------


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    list_display = ["name", "tax_code", "representative", "phone", "email"]
    search_fields = ["name", "tax_code", "representative"]
    inlines = [BusinessMemberInline]

    def save_formset(self, request, form, formset, change):
        _formset_save_through_services(formset, business=form.instance)


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    form = StaffMembershipForm
    list_display = ["user", "agency", "role", "title"]
    list_filter = ["role", ("agency", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user", "agency"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "agency__name", "agency__code", "title"]
    autocomplete_fields = ["user", "agency"]

    def save_model(self, request, obj, form, change):
        if change:
            services.staff_membership_change(
                membership=StaffMembership.objects.get(pk=obj.pk), agency=obj.agency, role=obj.role, title=obj.title
            )
        else:
            membership = services.staff_membership_add(user=obj.user, agency=obj.agency, role=obj.role, title=obj.title)
            obj.pk = membership.pk
            obj._state.adding = False
            obj._state.db = membership._state.db

    def delete_model(self, request, obj):
        services.staff_membership_remove(membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            services.staff_membership_remove(membership=membership)
        messages.info(request, _("Role groups and administration access were updated to match."))
