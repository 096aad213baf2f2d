"""The integrations' extension points: where an app above them (satisfaction) takes part in their pages.

``integrations`` does not import those apps: they register their handlers in ``AppConfig.ready()`` (ADR 0025,
``core.hooks``)."""

from typing import Any

from core.hooks import Hook

# The sync desk (``/dong-bo/``): figures shown beside its tables. Each handler returns a dict of template
# variables for its own card (one key per card, named in ``integrations/desk/desk.html``), or an empty dict.
# Called as ``desk_figures(scope=desk.Scope)``: the agencies the desk user sees and administers.
desk_figures: Hook[..., dict[str, Any]] = Hook(
    "desk_figures", "Figures beside the sync desk's tables: scope=integrations.desk.Scope -> dict."
)

ALL = (desk_figures,)
