"""Routes (filled by the pages of this side)."""

urlpatterns = []
