"""Account pages: registration, login and passwords, the profile."""
