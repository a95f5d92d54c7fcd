"""Pages for people: sign-in, the pages of each role, and the public document verifier.

Server-rendered HTML (Jinja2) that works without JavaScript, light enough for a cheap phone on
a slow network, served by the node beside its API. People sign in as users of their
organisation (`users.py`: Argon2 password hashes, optional TOTP, roles per user); their session
lives in a server-side table behind an HttpOnly cookie, and every form carries a CSRF token
(`sessions.py`). A user acts through one of its organisation's client identities.
"""
