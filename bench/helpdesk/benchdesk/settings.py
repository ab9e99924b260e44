"""A minimal Django project around django-helpdesk, the peer of minsheng's intake benchmark.

Everything a stock deployment would have is kept; only what the benchmark must control is set:
the SQLite file lives in the work directory named by HELPDESK_BENCH_DIR, and nothing leaves the
machine (no e-mail server, no webhooks, no CDN). Durability is SQLite's own default, which Django
does not change: `synchronous = FULL`, every commit fsynced. The journal mode is chosen by the
set-up script (setup.py), see bench/README.md.
"""

import os
from pathlib import Path

WORK = Path(os.environ["HELPDESK_BENCH_DIR"])

# Not a secret: a throw-away database on 127.0.0.1 for the length of one benchmark run.
SECRET_KEY = "minsheng-bench-helpdesk-peer-not-a-secret"
# A production configuration: DEBUG off, so Django keeps no per-request query log.
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "helpdesk",
]
SITE_ID = 1

# Django's default middleware of `startproject`.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "benchdesk.urls"
WSGI_APPLICATION = "benchdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": WORK / "helpdesk.db",
        # Django's default busy timeout is 5 s; with several workers writing one file under 64
        # clients a wait can be longer, and a refused ticket would count against the peer.
        "OPTIONS": {"timeout": 60},
    }
}

# A staff client authenticates with a token (one indexed look-up per request). DRF's default
# HTTP Basic would run Django's PBKDF2 (1,000,000 iterations) on every request, which would
# measure password hashing, not ticket creation.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
    ],
}

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
MEDIA_ROOT = WORK / "media"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Nothing leaves the machine. A ticket without a submitter e-mail and a queue without copies
# sends no mail anyway; the dummy back-end makes sure.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

# django-helpdesk: no pinax-teams (an optional extra), the REST API on (its default).
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_API_ENABLED = True
HELPDESK_USE_CDN = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
