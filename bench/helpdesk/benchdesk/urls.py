"""django-helpdesk at the root: its REST API is /api/tickets/ (TicketViewSet, staff only)."""

from django.http import HttpResponse
from django.urls import include, path


def healthz(_request):
    # For the benchmark's start-up wait only; touches no database.
    return HttpResponse("ok")


urlpatterns = [
    path("healthz", healthz),
    path("", include("helpdesk.urls")),
]
